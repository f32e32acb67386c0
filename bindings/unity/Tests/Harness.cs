// Helpers shared by the tests: the servers run.sh started, pumping until something happens,
// and hiring an agent. NUnit 2.6 API only (also valid under Unity's NUnit 3).
using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Jiga.Tests
{
    internal static class Harness
    {
        internal const string DemoEmail = "demo@jiga.dev";
        internal const string DemoPassword = "demo-player-1";

        internal static string Env(string name)
        {
            var v = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(v)) Assert.Ignore(name + " is not set (run Tests/run.sh)");
            return v;
        }

        /// <summary>The main server (seeded with the demo catalogue).</summary>
        internal static string Url
        {
            get { return Env("JIGA_TEST_URL"); }
        }

        internal static string Unique(string prefix)
        {
            return prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        }

        internal static JigaClient NewClient(string url = null, int? maxAttempts = null, string tokens = null, int? queue = null)
        {
            return new JigaClient(new JigaClientOptions
            {
                BaseUrl = url ?? Url,
                RetryMaxAttempts = maxAttempts,
                Tokens = tokens,
                QueueCapacity = queue,
            });
        }

        internal static T Run<T>(JigaClient c, Task<T> t, int timeoutMs = 30000)
        {
            return c.RunUntilComplete(t, timeoutMs);
        }

        /// <summary>Pumps until <paramref name="done"/> holds, failing after <paramref name="timeoutMs"/>.</summary>
        internal static void PumpUntil(JigaClient c, Func<bool> done, int timeoutMs, string what)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (!done())
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for " + what);
                c.Wait(100);
                c.Pump();
            }
        }

        /// <summary>Pumps for <paramref name="ms"/> milliseconds whatever happens.</summary>
        internal static void PumpFor(JigaClient c, int ms)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(ms);
            while (DateTime.UtcNow < deadline)
            {
                c.Wait(50);
                c.Pump();
            }
        }

        /// <summary>The exception <paramref name="t"/> fails with, as type <typeparamref name="E"/>.</summary>
        internal static E Fails<E>(JigaClient c, Task t) where E : Exception
        {
            var e = Assert.Throws<E>(() => c.RunUntilComplete(t));
            Assert.AreEqual(typeof(E), e.GetType(), "exactly " + typeof(E).Name);
            return e;
        }

        private static string _ownerDevice, _ownerAgent;

        /// <summary>A device player owning one published agent (game <c>unity-test</c>), made once per run through the ABI.</summary>
        internal static void OwnedAgent(out string ownerDevice, out string agentId)
        {
            if (_ownerAgent == null)
            {
                var device = Unique("cs-owner");
                using (var owner = NewClient())
                {
                    Run(owner, owner.SignInDeviceAsync(device));
                    var a = Run(owner, owner.CreateAgentAsync(new CreateAgentRequest
                    {
                        Name = "Unity Test Coach",
                        Games = new System.Collections.Generic.List<string> { OwnedGame },
                        Rank = "gold",
                        Type = "coach",
                        Provider = "sim",
                        Pricing = new Pricing { PerMinute = 1, PerAction = 1 },
                        ActionsPerSecond = 5,
                    }));
                    Assert.AreEqual("draft", a.Status);
                    Assert.AreEqual("published", Run(owner, owner.PublishAgentAsync(a.Id)).Status);
                    _ownerDevice = device;
                    _ownerAgent = a.Id;
                }
            }
            ownerDevice = _ownerDevice;
            agentId = _ownerAgent;
        }

        internal const string OwnedGame = "unity-test";

        /// <summary>Signs <paramref name="c"/> in as a new device player owning a new published agent.</summary>
        internal static Agent OwnAgent(JigaClient c, int actionsPerSecond, long perAction)
        {
            Run(c, c.SignInDeviceAsync(Unique("cs-owner")));
            var a = Run(c, c.CreateAgentAsync(new CreateAgentRequest
            {
                Name = "Unity Test Agent",
                Games = new System.Collections.Generic.List<string> { OwnedGame },
                Rank = "gold",
                Type = "teammate",
                Provider = "sim",
                HasCommentator = true,
                Pricing = new Pricing { PerMinute = 1, PerAction = perAction },
                ActionsPerSecond = actionsPerSecond,
            }));
            Run(c, c.PublishAgentAsync(a.Id));
            return a;
        }

        /// <summary>Signs <paramref name="c"/> in as a new device player with <paramref name="dof"/> in the wallet.</summary>
        internal static User FundedPlayer(JigaClient c, long dof)
        {
            var u = Run(c, c.SignInDeviceAsync(Unique("cs-player")));
            if (dof > 0) Run(c, c.TopupAsync(new TopupRequest { Amount = dof, Provider = "dev" }));
            return u;
        }

        internal static JigaClient DemoPlayer(int? queue = null)
        {
            var c = NewClient(queue: queue);
            Run(c, c.LoginAsync(DemoEmail, DemoPassword));
            return c;
        }

        /// <summary>The best-rated agent costing at most 50/min, and a game it plays.</summary>
        internal static Listing CheapAgent(JigaClient c)
        {
            var r = Run(c, c.SearchAsync(new SearchParams { Sort = "rating", PriceMax = 50, Limit = 1 }));
            Assert.AreEqual(1, r.Items.Count, "an agent costing at most 50");
            return r.Items[0];
        }

        internal static HireResponse Hire(JigaClient c, Listing agent, long budget)
        {
            var game = agent.Games.FirstOrDefault() ?? "practice";
            return Run(c, c.HireAsync(new HireRequest { AgentId = agent.Id, Game = game, Budget = budget, MaxMinutes = 5 }));
        }
    }
}
