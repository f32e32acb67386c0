// The Unity package's benchmarks under Mono (run by bench/run.sh; never a test):
//   replay URL SESSION DEVICE RUNS [QUEUE]  events/s of a finished session's replay into C#
//                                           SessionEvent objects through the ABI (best of RUNS)
//   trivial                                 one trivial ABI call through P/Invoke, in ns
// Compiled together with Runtime/ (as Unity compiles a package) so it can time the raw layer.
using System;
using System.Diagnostics;
using Jiga;
using Jiga.Native;

internal static unsafe class Bench
{
    private static int Main(string[] args)
    {
        if (args.Length >= 4 && args[0] == "replay") return Replay(args);
        if (args.Length == 1 && args[0] == "trivial") return Trivial();
        Console.Error.WriteLine("usage: Bench.exe replay URL SESSION DEVICE RUNS [QUEUE] | trivial");
        return 2;
    }

    private static int Replay(string[] a)
    {
        string url = a[1], session = a[2], device = a[3];
        int runs = int.Parse(a[4]);
        int? queue = a.Length > 5 ? int.Parse(a[5]) : (int?)null;
        using (var c = new JigaClient(new JigaClientOptions { BaseUrl = url, QueueCapacity = queue }))
        {
            c.RunUntilComplete(c.SignInDeviceAsync(device));
            long total = c.RunUntilComplete(c.SessionAsync(session)).LastSeq;
            double best = 0;
            for (int r = 0; r < runs; r++)
            {
                long n = 0;
                ulong checksum = 0;
                bool ended = false;
                var sw = Stopwatch.StartNew();
                var stream = c.OpenSession(session);
                stream.EventReceived += e =>
                {
                    n++;
                    checksum += e.Seq;
                };
                stream.Ended += e =>
                {
                    if (e != null) throw e;
                    ended = true;
                };
                while (!ended)
                {
                    c.Wait(1000);
                    c.Pump();
                }
                sw.Stop();
                if (n != total)
                {
                    Console.Error.WriteLine("the replay delivered " + n + " of " + total + " events");
                    return 1;
                }
                GC.KeepAlive(checksum);
                best = Math.Max(best, n / sw.Elapsed.TotalSeconds);
            }
            Console.WriteLine("csharp_events_per_sec=" + best.ToString("F0"));
        }
        return 0;
    }

    private static int Trivial()
    {
        using (var c = new JigaClient("http://127.0.0.1:9"))
        {
            const int n = 2000000;
            ulong h = (ulong)typeof(JigaClient).GetProperty("Handle",
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).GetValue(c);
            JigaCompletion rec;
            for (int i = 0; i < 100000; i++) NativeMethods.jiga_poll(h, &rec);
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) NativeMethods.jiga_poll(h, &rec);
            Console.WriteLine("bench: C# P/Invoke jiga_poll on an empty queue: " + (sw.Elapsed.TotalMilliseconds * 1e6 / n).ToString("F1") + " ns per call");
            sw.Restart();
            for (int i = 0; i < n; i++) NativeMethods.jiga_version();
            Console.WriteLine("bench: C# P/Invoke jiga_version: " + (sw.Elapsed.TotalMilliseconds * 1e6 / n).ToString("F1") + " ns per call");
            sw.Restart();
            for (int i = 0; i < n; i++) c.Pump();
            Console.WriteLine("bench: C# JigaClient.Pump() on an empty queue: " + (sw.Elapsed.TotalMilliseconds * 1e6 / n).ToString("F1") + " ns per call");
        }
        return 0;
    }
}
