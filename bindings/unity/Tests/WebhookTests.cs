// The webhook flow: set, read back, one real delivery to a receiver on loopback verified with
// Webhooks.Verify, a tampered body refused, delete twice; against the real server (started by
// Tests/run.sh with --allow-private-webhooks).
using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;
using static Jiga.Tests.Harness;

namespace Jiga.Tests
{
    [TestFixture]
    public class WebhookTests
    {
        /// <summary>One delivery as received: its JIGA-Signature and raw body.</summary>
        private sealed class Delivery
        {
            internal string Signature;
            internal byte[] Body;
        }

        /// <summary>Accepts one request on <paramref name="listener"/>, answers 204, returns it.</summary>
        private static Delivery ReceiveOne(TcpListener listener)
        {
            using (var conn = listener.AcceptTcpClient())
            using (var stream = conn.GetStream())
            {
                var buf = new byte[65536];
                int got = 0, headEnd = -1, length = -1;
                string signature = null;
                while (headEnd < 0 || got < headEnd + length)
                {
                    int n = stream.Read(buf, got, buf.Length - got);
                    if (n <= 0) throw new Exception("the sender closed before its request ended");
                    got += n;
                    if (headEnd >= 0) continue;
                    var text = Encoding.ASCII.GetString(buf, 0, got);
                    int i = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (i < 0) continue;
                    headEnd = i + 4;
                    foreach (var line in text.Substring(0, i).Split(new[] { "\r\n" }, StringSplitOptions.None))
                    {
                        int colon = line.IndexOf(':');
                        if (colon < 0) continue;
                        var name = line.Substring(0, colon).Trim();
                        var value = line.Substring(colon + 1).Trim();
                        if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase)) length = int.Parse(value);
                        if (name.Equals("jiga-signature", StringComparison.OrdinalIgnoreCase)) signature = value;
                    }
                    if (length < 0) throw new Exception("no content-length");
                }
                var answer = Encoding.ASCII.GetBytes("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
                stream.Write(answer, 0, answer.Length);
                var body = new byte[length];
                Array.Copy(buf, headEnd, body, 0, length);
                return new Delivery { Signature = signature, Body = body };
            }
        }

        [Test]
        public void FlowWebhook()
        {
            using (var c = NewClient())
            {
                Run(c, c.SignInDeviceAsync(Unique("cs-hooked")));
                Assert.IsNull(Run(c, c.WebhookAsync()), "no webhook yet");
                Assert.IsFalse(Run(c, c.DeleteWebhookAsync()), "nothing to delete");

                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                try
                {
                    var url = "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port + "/hook";
                    var hook = Run(c, c.SetWebhookAsync(url));
                    Assert.AreEqual(url, hook.Url);
                    StringAssert.StartsWith("whsec_", hook.Secret);
                    StringAssert.DoesNotContain(hook.Secret, hook.ToString(), "ToString redacts the secret");
                    Assert.AreEqual(url, Run(c, c.WebhookAsync()).Url, "read back");

                    // One real delivery: a dev top-up completes at once, notifying the caller.
                    var received = Task.Run(() => ReceiveOne(listener));
                    Run(c, c.TopupAsync(new TopupRequest { Amount = 50, Provider = "dev" }));
                    Assert.IsTrue(received.Wait(20000), "a delivery within 20 s");
                    var d = received.Result;

                    var n = Webhooks.Verify(hook.Secret, d.Signature, d.Body);
                    Assert.AreEqual("transaction.completed", n.Type);
                    StringAssert.StartsWith("ntf_", n.Id);
                    Assert.AreEqual(50, (long)n.Data["amount"]);

                    var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(d.Body).Replace("\"amount\":50", "\"amount\":5000"));
                    Assert.IsFalse(tampered.SequenceEqual(d.Body), "the body was changed");
                    var e = Assert.Throws<WebhookException>(() => Webhooks.Verify(hook.Secret, d.Signature, tampered));
                    Assert.AreEqual(WebhookFailure.BadSignature, e.Reason);
                    Assert.AreEqual(ErrorKind.Webhook, e.Kind);
                    Assert.IsInstanceOf<JigaException>(e);
                    e = Assert.Throws<WebhookException>(() => Webhooks.Verify("whsec_other", d.Signature, d.Body));
                    Assert.AreEqual(WebhookFailure.BadSignature, e.Reason);
                    var later = DateTimeOffset.UtcNow.AddHours(1);
                    e = Assert.Throws<WebhookException>(() => Webhooks.Verify(hook.Secret, d.Signature, d.Body, later));
                    Assert.AreEqual(WebhookFailure.TimestampOutOfTolerance, e.Reason);
                    StringAssert.Contains("tolerance 300 s", e.Message);
                    Assert.AreEqual(n.Id, Webhooks.Verify(hook.Secret, d.Signature, d.Body, later, TimeSpan.FromHours(2)).Id);
                    e = Assert.Throws<WebhookException>(() => Webhooks.Verify(hook.Secret, "v1=nope", d.Body));
                    Assert.AreEqual(WebhookFailure.MalformedHeader, e.Reason);
                    var bad = Assert.Throws<InvalidArgumentException>(() => Webhooks.Verify(null, d.Signature, d.Body));
                    StringAssert.Contains("secret", bad.Message);
                }
                finally
                {
                    listener.Stop();
                }

                Assert.IsTrue(Run(c, c.DeleteWebhookAsync()), "deleted");
                Assert.IsNull(Run(c, c.WebhookAsync()), "gone");
                Assert.IsFalse(Run(c, c.DeleteWebhookAsync()), "deleted again");
            }
        }
    }
}
