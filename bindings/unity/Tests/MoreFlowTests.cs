// The flows the ABI grew into (budget guard, the host's idempotency keys, every list route,
// the wake-up callback), against the real server.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NUnit.Framework;
using static Jiga.Tests.Harness;

namespace Jiga.Tests
{
    [TestFixture]
    public class MoreFlowTests
    {
        [Test]
        public void FlowBudgetGuard()
        {
            using (var c = DemoPlayer())
            {
                const long budget = 400, cap = 12;
                var hired = Hire(c, CheapAgent(c), budget);
                var stream = c.OpenSession(hired.Session.Id, new SessionOptions
                {
                    Guard = new GuardSpec { Cap = cap, WarnAt = new List<double> { 0.01, 0.02 } },
                    EndAtCap = true,
                });
                var guards = new List<GuardEvent>();
                stream.GuardFired += g => guards.Add(g);
                var r = new List<SessionEvent>();
                long maxCharge = 0;
                stream.EventReceived += e =>
                {
                    r.Add(e);
                    if (e.Kind == EventKind.DofUpdate) maxCharge = Math.Max(maxCharge, e.Delta);
                };
                var ended = false;
                stream.Ended += e =>
                {
                    Assert.IsNull(e, "ended cleanly");
                    ended = true;
                };
                PumpUntil(c, () => ended, 60000, "the guard to end the session");

                Assert.AreEqual(new[] { "warn", "warn" }, guards.Where(g => g.Action == "warn").Select(g => g.Action).ToArray());
                Assert.AreEqual(new double?[] { 0.01, 0.02 }, guards.Where(g => g.Action == "warn").Select(g => g.Fraction).ToArray());
                var end = guards.Single(g => g.Action == "end");
                Assert.GreaterOrEqual(end.Consumed, cap);
                Assert.IsNull(end.EndError, "the core's end succeeded");
                Assert.IsNotNull(end.Ended, "the core ended the session at the cap");
                var settled = end.Ended;
                Assert.LessOrEqual(settled.Settlement.Consumed, cap + maxCharge, "consumed <= cap + one charge");
                Assert.AreEqual(settled.Settlement.Consumed, r.Last().Consumed);
                Assert.AreEqual("ended", Run(c, c.SessionAsync(hired.Session.Id)).Status);
                Assert.AreEqual(0, c.PendingCalls);
            }
        }

        [Test]
        public void FlowResumeAcrossCuts()
        {
            using (var owner = NewClient())
            using (var hirer = NewClient())
            {
                var agent = OwnAgent(owner, 50, 1);
                FundedPlayer(hirer, 1000);
                var hired = Run(hirer, hirer.HireAsync(new HireRequest { AgentId = agent.Id, Game = OwnedGame, Budget = 900 }));
                Thread.Sleep(3000);
                var settled = Run(hirer, hirer.EndSessionAsync(hired.Session.Id));

                // The same player, through a proxy that cuts every connection after a few hundred bytes.
                var stats = Env("JIGA_TEST_CHOP_STATS");
                Func<long> cuts = () => System.IO.File.Exists(stats) ? long.Parse(System.IO.File.ReadAllText(stats).Trim()) : 0;
                using (var via = NewClient(Env("JIGA_TEST_URL_CHOP"), tokens: hirer.SaveTokens()))
                {
                    long before = cuts();
                    var stream = via.OpenSession(hired.Session.Id);
                    ulong last = 0;
                    stream.EventReceived += e =>
                    {
                        Assert.AreEqual(last + 1, e.Seq, "every seq once, in order");
                        last = e.Seq;
                    };
                    PumpUntil(via, () => stream.IsEnded, 240000, "the replay's end");
                    Assert.IsNull(stream.Error, "a clean end");
                    Assert.IsNotNull(stream.Reconciliation, "reconciled across the cuts");
                    Assert.AreEqual(settled.Settlement.Consumed, stream.Reconciliation.Consumed);
                    Assert.AreEqual((ulong)Run(hirer, hirer.SessionAsync(hired.Session.Id)).LastSeq, last, "up to the last seq");
                    var n = cuts() - before;
                    Assert.GreaterOrEqual(n, 50, "at least 50 cuts (" + n + " over " + last + " events)");
                    Console.WriteLine("     " + last + " events through " + n + " cuts");
                }
            }
        }

        [Test]
        public void FlowIdempotentRetry()
        {
            // A hire whose first answer the proxy drops: the core retries under the same key and
            // the wallet moves once.
            using (var owner = NewClient())
            using (var c = new JigaClient(new JigaClientOptions { BaseUrl = Env("JIGA_TEST_URL_DROP"), RetryInitialBackoffMs = 10, RetryMaxBackoffMs = 50 }))
            {
                var agent = OwnAgent(owner, 1, 1);
                FundedPlayer(c, 500);
                Assert.AreEqual(500, Run(c, c.WalletAsync()).Available);
                var hired = Run(c, c.HireAsync(new HireRequest { AgentId = agent.Id, Game = OwnedGame, Budget = 120 }));
                Assert.AreEqual(380, Run(c, c.WalletAsync()).Available, "held once");
                var active = Run(c, c.SessionsAsync(new SessionFilter { Status = "active" }));
                Assert.AreEqual(1, active.Items.Count, "one session");
                Assert.AreEqual(hired.Session.Id, active.Items[0].Id);
                Run(c, c.EndSessionAsync(hired.Session.Id));
            }
        }

        [Test]
        public void HostIdempotencyKeys()
        {
            // The game's own key: the same top-up sent twice under one key moves the wallet once.
            using (var c = NewClient())
            {
                Run(c, c.SignInDeviceAsync(Unique("cs-wallet")));
                var before = Run(c, c.WalletAsync()).Available;
                var key = Unique("topup");
                var t1 = Run(c, c.TopupAsync(new TopupRequest { Amount = 250, Provider = "dev" }, key));
                var t2 = Run(c, c.TopupAsync(new TopupRequest { Amount = 250, Provider = "dev" }, key));
                Assert.AreEqual(t1.Id, t2.Id, "one top-up");
                Run(c, c.TopupAsync(new TopupRequest { Amount = 50, Provider = "dev" }));
                Assert.AreEqual(before + 300, Run(c, c.WalletAsync()).Available, "moved once per key");

                var ids = new HashSet<string>();
                using (var pages = c.TransactionPages(new TransactionFilter { Limit = 1 }))
                {
                    Page<Transaction> p;
                    while ((p = Run(c, pages.NextPageAsync())) != null)
                        foreach (var t in p.Items) Assert.IsTrue(ids.Add(t.Id), "each transaction once");
                }
                Assert.AreEqual(2, ids.Count, "two top-ups, two transactions");
                var one = Run(c, c.TransactionsAsync(new TransactionFilter { Limit = 1 }));
                Assert.AreEqual(1, one.Items.Count);
                Assert.IsNotNull(one.NextCursor);
                Assert.IsTrue(one.Items[0].Entries.Sum(e => e.Amount) == 0, "a balanced transaction");
            }
        }

        [Test]
        public void OwnerAndReviewerRoutes()
        {
            string ownerDevice, owned;
            OwnedAgent(out ownerDevice, out owned);
            using (var owner = NewClient())
            using (var player = NewClient())
            {
                Run(owner, owner.SignInDeviceAsync(ownerDevice));
                var mine = Run(owner, owner.MyAgentsAsync(new PageRequest { Limit = 10 }));
                CollectionAssert.Contains(mine.Items.Select(a => a.Id).ToList(), owned);
                var renamed = Run(owner, owner.UpdateAgentAsync(owned, new UpdateAgentRequest { Description = "updated by the C# tests" }));
                Assert.AreEqual("updated by the C# tests", renamed.Description);
                var versions = new List<Agent>();
                using (var pages = owner.AgentVersionPages(owned))
                {
                    Page<Agent> p;
                    while ((p = Run(owner, pages.NextPageAsync())) != null) versions.AddRange(p.Items);
                }
                Assert.GreaterOrEqual(versions.Count, 1);
                Assert.AreEqual(Run(owner, owner.AgentVersionsAsync(owned)).Items.Count, versions.Count);
                using (var pages = owner.MyAgentPages(new PageRequest { Limit = 1 }))
                    Assert.IsNotNull(Run(owner, pages.NextPageAsync()));

                var me = Run(player, player.SignInDeviceAsync(Unique("cs-reviewer")));
                var updated = Run(player, player.UpdateMeAsync(new UpdateMeRequest { DisplayName = "Reviewer" }));
                Assert.AreEqual("Reviewer", updated.DisplayName);
                Assert.AreEqual(me.Id, Run(player, player.UserAsync(me.Id)).Id);
                Run(player, player.TopupAsync(new TopupRequest { Amount = 500, Provider = "dev" }));
                var hired = Run(player, player.HireAsync(new HireRequest { AgentId = owned, Game = OwnedGame, Budget = 100, MaxMinutes = 5 }));
                var ticket = Run(player, player.StreamTicketAsync(hired.Session.Id));
                Assert.IsNotNull(ticket.Ticket);
                var active = Run(player, player.SessionsAsync(new SessionFilter { Status = "active" }));
                CollectionAssert.Contains(active.Items.Select(x => x.Id).ToList(), hired.Session.Id);
                Run(player, player.EndSessionAsync(hired.Session.Id, Unique("end-key")));
                var all = new List<Session>();
                using (var pages = player.SessionPages(new SessionFilter { Limit = 1 }))
                {
                    Page<Session> p;
                    while ((p = Run(player, pages.NextPageAsync())) != null) all.AddRange(p.Items);
                }
                Assert.AreEqual(1, all.Count);
                Assert.AreEqual("ended", all[0].Status);

                var review = Run(player, player.CreateReviewAsync(owned, new CreateReviewRequest { SessionId = hired.Session.Id, Rating = 5, Text = "great" }));
                Assert.AreEqual(5, review.Rating);
                var reviews = Run(player, player.ReviewsAsync(owned));
                CollectionAssert.Contains(reviews.Items.Select(x => x.Id).ToList(), review.Id);
                using (var pages = player.ReviewPages(owned))
                    Assert.AreEqual(review.Id, Run(player, pages.NextPageAsync()).Items[0].Id);
            }
        }

        [Test]
        public void WakeupCallbackSignalsTheHost()
        {
            using (var c = NewClient())
            using (var ready = new ManualResetEventSlim(false))
            {
                int wakes = 0;
                c.SetWakeup(() =>
                {
                    Interlocked.Increment(ref wakes);
                    ready.Set();
                });
                var t = c.CategoriesAsync();
                Assert.IsTrue(ready.Wait(10000), "woken when the result arrived");
                Assert.AreEqual(1, c.Pump());
                Assert.IsTrue(t.IsCompleted && !t.IsFaulted);
                Assert.GreaterOrEqual(wakes, 1);
                c.SetWakeup(null);
                ready.Reset();
                var u = c.FeaturedAsync();
                c.RunUntilComplete(u);
                Assert.IsFalse(ready.IsSet, "no wake-up once cleared");
            }
        }
    }
}
