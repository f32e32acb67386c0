// The flows of shared/notes/binding-flows.md that the current C ABI allows, against the real
// jiga-server started by Tests/run.sh. Test names follow the flows (FlowSignIn, ...).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static Jiga.Tests.Harness;

namespace Jiga.Tests
{
    [TestFixture]
    public class FlowTests
    {
        [Test]
        public void FlowSignIn()
        {
            using (var a = NewClient())
            {
                Assert.IsFalse(a.IsSignedIn);
                var device = Unique("cs-device");
                var u = Run(a, a.SignInDeviceAsync(device));
                Assert.IsNotNull(u.Id);
                Assert.IsTrue(a.IsSignedIn);
                // The same device id is the same player.
                using (var again = NewClient())
                    Assert.AreEqual(u.Id, Run(again, again.SignInDeviceAsync(device)).Id);
            }

            var email = Unique("cs") + "@example.com";
            string saved;
            string userId;
            using (var b = NewClient())
            {
                var registered = Run(b, b.RegisterAsync(email, "correct-horse-1", "C# Tester"));
                Assert.AreEqual("C# Tester", registered.DisplayName);
                var logged = Run(b, b.LoginAsync(email, "correct-horse-1"));
                Assert.AreEqual(registered.Id, logged.Id);
                userId = logged.Id;
                saved = b.SaveTokens();
                StringAssert.Contains("accessToken", saved);
                b.SignOut();
                Assert.IsFalse(b.IsSignedIn);
                Assert.AreEqual("null", b.SaveTokens());
            }

            // Restored into a new client: signed in without a new login.
            using (var restored = NewClient(tokens: saved))
            {
                Assert.IsTrue(restored.IsSignedIn);
                var me = Run(restored, restored.MeAsync());
                Assert.AreEqual(userId, me.Id);
                Assert.AreEqual(email, me.Email);
            }
        }

        [Test]
        public void FlowRefresh()
        {
            // A server whose access tokens live 2 s: the core refreshes them under the calls.
            using (var c = NewClient(Env("JIGA_TEST_URL_SHORT_TTL")))
            {
                Run(c, c.SignInDeviceAsync(Unique("cs-refresh")));
                var first = c.SaveTokens();
                for (int round = 0; round < 3; round++)
                {
                    Thread.Sleep(2300);
                    // Many calls at once after the token expired: every one succeeds.
                    var calls = Enumerable.Range(0, 8).Select(_ => c.WalletAsync()).ToArray();
                    var all = Task.WhenAll(calls);
                    c.RunUntilComplete(all);
                    foreach (var w in all.Result) Assert.AreEqual("DOF", w.Currency.ToUpperInvariant());
                }
                var refreshed = c.SaveTokens();
                Assert.AreNotEqual(first, refreshed, "the tokens were refreshed");
                c.RunUntilComplete(c.RefreshAsync());
                Assert.AreNotEqual(refreshed, c.SaveTokens(), "an explicit refresh");
                Assert.IsNotNull(Run(c, c.MeAsync()).Id);
            }
        }

        [Test]
        public void FlowSearchPaging()
        {
            using (var c = NewClient())
            {
                var q = new SearchParams { Sort = "rating", Limit = 5 };
                var first = Run(c, c.SearchAsync(q));
                Assert.Greater(first.Total, 5, "more than one page");
                Assert.IsNotNull(first.Facets);
                Assert.IsNotNull(first.Facets.Rank);
                Assert.Greater(first.Facets.Game.Count, 0, "game facets");
                Assert.IsNotNull(first.NextCursor);

                var seen = new HashSet<string>();
                int pages = 0;
                using (var pager = c.SearchPages(new SearchParams { Sort = "rating", Limit = 7 }))
                {
                    SearchResults page;
                    while ((page = Run(c, pager.NextPageAsync())) != null)
                    {
                        pages++;
                        Assert.AreEqual(first.Total, page.Total, "total stable across pages");
                        foreach (var l in page.Items) Assert.IsTrue(seen.Add(l.Id), "listing " + l.Id + " once");
                        Assert.Less(pages, 100);
                    }
                }
                Assert.AreEqual(first.Total, seen.Count, "every listing once");
                Assert.AreEqual((first.Total + 6) / 7, pages);

                // A filter narrows the total and the facets still count every value.
                var game = first.Items[0].Games[0];
                var filtered = Run(c, c.SearchAsync(new SearchParams { Game = new List<string> { game }, Limit = 50 }));
                Assert.Greater(filtered.Total, 0);
                Assert.IsTrue(filtered.Items.All(l => l.Games.Contains(game)), "every item plays " + game);

                var featured = Run(c, c.FeaturedAsync());
                Assert.Greater(featured.Items.Count, 0);
                var cats = Run(c, c.CategoriesAsync());
                Assert.Greater(cats.Games.Count, 0);
                Assert.Greater(cats.Types.Count, 0);
                var listing = Run(c, c.ListingAsync(first.Items[0].Id));
                Assert.AreEqual(first.Items[0].Id, listing.Id);
                Assert.IsNotNull(listing.Owner.DisplayName);
                var agent = Run(c, c.AgentAsync(first.Items[0].Id));
                Assert.AreEqual(listing.Name, agent.Name);
                Assert.Greater(agent.Pricing.PerMinute + agent.Pricing.PerAction, 0);
            }
        }

        /// <summary>What one session's stream delivered, checked as it arrives.</summary>
        private sealed class Reader
        {
            internal readonly List<SessionEvent> Events = new List<SessionEvent>();
            internal bool Ended;
            internal JigaException EndError;
            internal long Metered;

            internal Reader(SessionStream s)
            {
                s.EventReceived += e =>
                {
                    Assert.AreEqual((ulong)Events.Count + 1, e.Seq, "gapless seqs");
                    if (e.Kind == EventKind.DofUpdate) Metered += e.Delta;
                    Events.Add(e);
                };
                s.Ended += e =>
                {
                    Ended = true;
                    EndError = e;
                };
            }

            internal int Count(EventKind k)
            {
                return Events.Count(e => e.Kind == k);
            }
        }

        [Test]
        public void FlowHireStreamEnd()
        {
            // A small queue: the native forwarder waits for room; nothing is lost.
            using (var c = DemoPlayer(queue: 4))
            {
                const long budget = 300;
                var hired = Hire(c, CheapAgent(c), budget);
                Assert.AreEqual("active", hired.Session.Status);
                var stream = c.OpenSession(hired.Session.Id);
                var r = new Reader(stream);
                PumpUntil(c, () => r.Count(EventKind.Action) >= 3, 30000, "three actions");
                Thread.Sleep(300); // let the queue fill while the host is busy
                var end = Run(c, c.EndSessionAsync(hired.Session.Id));
                PumpUntil(c, () => r.Ended, 30000, "the stream's end");

                Assert.IsNull(r.EndError, "the stream ends cleanly");
                Assert.AreEqual(EventKind.Started, r.Events[0].Kind, "seq 1 is session.started");
                Assert.AreEqual("session.started", r.Events[0].Type);
                var last = r.Events[r.Events.Count - 1];
                Assert.AreEqual(EventKind.Ended, last.Kind);
                Assert.Greater(last.TsMillis, 1600000000000L);

                var s = end.Settlement;
                Assert.AreEqual(s.Consumed, s.OwnerEarnings + s.PlatformFee, "consumed = owner + fee");
                Assert.AreEqual(budget - s.Consumed, s.Released, "released = budget - consumed");
                Assert.AreEqual(s.Consumed, last.Consumed, "session.ended header carries the settlement");
                Assert.AreEqual(s.Released, last.Remaining);
                Assert.AreEqual(s.Consumed, last.Settlement.Consumed);
                foreach (var e in r.Events.Where(e => e.Kind == EventKind.DofUpdate))
                    Assert.AreEqual(budget - e.Consumed, e.Remaining, "remaining = budget - consumed");

                var after = Run(c, c.SessionAsync(hired.Session.Id));
                Assert.AreEqual("ended", after.Status);
                Assert.AreEqual(s.Consumed, after.Consumed);
                var conflict = Fails<ConflictException>(c, c.EndSessionAsync(hired.Session.Id));
                Assert.AreEqual(409, conflict.HttpStatus);
                stream.Close();
                Assert.AreEqual(0, c.PendingCalls);
            }
        }

        [Test]
        public void FlowReconcile()
        {
            // The core's meter (jiga_session_meter) and its reconciliation at the stream's end,
            // beside the test's own sum of the dof_update deltas it received.
            using (var c = DemoPlayer())
            {
                var hired = Hire(c, CheapAgent(c), 400);
                var stream = c.OpenSession(hired.Session.Id);
                var r = new Reader(stream);
                PumpUntil(c, () => r.Count(EventKind.DofUpdate) >= 4, 30000, "four charges");
                var during = stream.Meter;
                Assert.GreaterOrEqual(during.Consumed, r.Metered, "the meter is as of the last event queued");
                Assert.AreEqual(400, during.Budget);
                Assert.GreaterOrEqual(during.Charges, 4UL);
                uint attempt;
                Assert.AreEqual(StreamState.Live, stream.GetState(out attempt));
                Assert.AreEqual(0u, attempt);
                var end = Run(c, c.EndSessionAsync(hired.Session.Id));
                PumpUntil(c, () => r.Ended, 30000, "the stream's end");
                Assert.IsNull(r.EndError, "reconciled without a mismatch");
                Assert.Greater(r.Metered, 0);
                Assert.AreEqual(end.Settlement.Consumed, r.Metered, "metered deltas = settlement");
                Assert.IsNotNull(stream.Reconciliation, "the stream saw the whole session");
                Assert.AreEqual(end.Settlement.Consumed, stream.Reconciliation.Consumed, "the core's meter = settlement");
                Assert.AreEqual(end.Settlement.OwnerEarnings, stream.Reconciliation.OwnerEarnings);
                Assert.AreEqual(end.Settlement.Released, stream.Reconciliation.Released);
                Assert.AreEqual(r.Count(EventKind.DofUpdate), stream.Reconciliation.Charges);
                var lastUpdate = r.Events.Last(e => e.Kind == EventKind.DofUpdate);
                Assert.AreEqual(r.Metered, lastUpdate.Consumed, "running consumed = sum of deltas");
            }
        }

        [Test]
        public void FlowCommandAck()
        {
            using (var c = DemoPlayer())
            {
                var hired = Hire(c, CheapAgent(c), 300);
                var stream = c.OpenSession(hired.Session.Id);
                var r = new Reader(stream);
                PumpUntil(c, () => r.Count(EventKind.Action) >= 1, 30000, "events flowing");

                // While events flow and the reader is pumping.
                var a = stream.SendCommandAsync("focus-1", new { focus = "mid" });
                c.RunUntilComplete(a);
                // While the reader is busy (not pumping for a second): still acknowledged.
                var b = stream.SendCommandJsonAsync("focus-2", "{\"focus\":\"top\"}");
                Thread.Sleep(1000);
                c.RunUntilComplete(b);
                PumpUntil(c, () => r.Events.Count(e => e.Kind == EventKind.CommandAck) >= 2, 10000, "both acks");
                var acked = r.Events.Where(e => e.Kind == EventKind.CommandAck).Select(e => e.CommandId).ToList();
                CollectionAssert.Contains(acked, "focus-1");
                CollectionAssert.Contains(acked, "focus-2");

                // A command the core refuses before sending.
                Fails<InvalidArgumentException>(c, stream.SendCommandJsonAsync("bad", "[1,2]"));

                Run(c, c.EndSessionAsync(hired.Session.Id));
                PumpUntil(c, () => r.Ended, 30000, "the stream's end");
                Assert.AreEqual(0, c.PendingCalls);
            }
        }

        [Test]
        public void FlowErrors()
        {
            using (var anon = NewClient(maxAttempts: 1))
            {
                var e = Fails<UnauthenticatedException>(anon, anon.WalletAsync());
                Assert.AreEqual(ErrorKind.Unauthenticated, e.Kind);
                Assert.AreEqual("unauthenticated", e.Code);
                Assert.AreEqual(401, e.HttpStatus);
                Assert.IsNotNull(e.RequestId);
            }

            using (var c = DemoPlayer())
            {
                var nf = Fails<NotFoundException>(c, c.ListingAsync("agt_does_not_exist"));
                Assert.AreEqual(404, nf.HttpStatus);
                Assert.AreEqual("not_found", nf.Code);
                Assert.IsNotNull(nf.RequestId);

                var bad = Fails<InvalidArgumentException>(c, c.SearchAsync(new SearchParams { Limit = 100000 }));
                Assert.AreEqual(ErrorKind.InvalidArgument, bad.Kind);
                Assert.AreEqual("limit", bad.Field);

                var agent = CheapAgent(c);
                var poor = Fails<InsufficientFundsException>(c, c.HireAsync(new HireRequest
                {
                    AgentId = agent.Id, Game = agent.Games[0], Budget = 1000000, MaxMinutes = 5,
                }));
                Assert.AreEqual(402, poor.HttpStatus);
                Assert.AreEqual("insufficient_funds", poor.Code);
                Assert.AreEqual(1000000, poor.Needed);
                Assert.GreaterOrEqual(poor.Available, 0);
                Assert.Less(poor.Available, poor.Needed);
                Assert.IsNotNull(poor.RequestId);
                Assert.IsNull(poor.Field);

                var changed = Fails<ConflictException>(c, c.HireAsync(new HireRequest
                {
                    AgentId = agent.Id, Game = agent.Games[0], Budget = 300,
                    ExpectedPricing = new Pricing { PerMinute = 999, PerAction = 999 },
                }));
                Assert.AreEqual("conflict", changed.Code);
                Assert.AreEqual(409, changed.HttpStatus);

                // Forbidden: the agent's owner may see the session but not end it.
                string ownerDevice, owned;
                OwnedAgent(out ownerDevice, out owned);
                var hired = Run(c, c.HireAsync(new HireRequest { AgentId = owned, Game = OwnedGame, Budget = 100, MaxMinutes = 5 }));
                using (var owner = NewClient())
                {
                    var ownerUser = Run(owner, owner.SignInDeviceAsync(ownerDevice));
                    var other = Fails<ForbiddenException>(c, c.UserAsync(ownerUser.Id));
                    Assert.AreEqual(403, other.HttpStatus);
                    Assert.IsNotNull(other.RequestId);
                    Assert.AreEqual(hired.Session.Id, Run(owner, owner.SessionAsync(hired.Session.Id)).Id);
                    var forbidden = Fails<ForbiddenException>(owner, owner.EndSessionAsync(hired.Session.Id));
                    Assert.AreEqual(403, forbidden.HttpStatus);
                    Assert.AreEqual("forbidden", forbidden.Code);
                }
                // Payload too large: a command whose data is over the contract's 16 KiB.
                var big = new string('x', 20000);
                var tooLarge = Fails<PayloadTooLargeException>(c, c.SendCommandAsync(hired.Session.Id, "big", new { blob = big }));
                Assert.AreEqual(413, tooLarge.HttpStatus);
                Assert.AreEqual("payload_too_large", tooLarge.Code);
                Assert.AreEqual(16 * 1024, tooLarge.Limit);
                Run(c, c.EndSessionAsync(hired.Session.Id));

                // Idempotency conflict: the game's own key, reused with another request.
                var key = Unique("hire-key");
                var first = Run(c, c.HireAsync(new HireRequest { AgentId = owned, Game = OwnedGame, Budget = 100, MaxMinutes = 5 }, key));
                var again = Run(c, c.HireAsync(new HireRequest { AgentId = owned, Game = OwnedGame, Budget = 100, MaxMinutes = 5 }, key));
                Assert.AreEqual(first.Session.Id, again.Session.Id, "the same key and request hire once");
                var idem = Fails<IdempotencyConflictException>(c, c.HireAsync(new HireRequest
                {
                    AgentId = owned, Game = OwnedGame, Budget = 150, MaxMinutes = 5,
                }, key));
                Assert.AreEqual(409, idem.HttpStatus);
                Assert.AreEqual("idempotency_conflict", idem.Code);
                Run(c, c.EndSessionAsync(first.Session.Id));
            }

            // Rate limited: a server allowing 3 anonymous requests a minute, and no retries.
            using (var limited = NewClient(Env("JIGA_TEST_URL_LIMITED"), maxAttempts: 1))
            {
                RateLimitedException rl = null;
                for (int i = 0; i < 10 && rl == null; i++)
                {
                    var t = limited.CategoriesAsync();
                    try
                    {
                        limited.RunUntilComplete(t);
                    }
                    catch (RateLimitedException e)
                    {
                        rl = e;
                    }
                }
                Assert.IsNotNull(rl, "rate limited within 10 calls");
                Assert.AreEqual(429, rl.HttpStatus);
                Assert.AreEqual("rate_limited", rl.Code);
                Assert.IsTrue(rl.RetryAfter.HasValue && rl.RetryAfter.Value > TimeSpan.Zero, "RetryAfter");
                Assert.IsNotNull(rl.RequestId);
            }
        }

        [Test]
        public void FlowCancel()
        {
            using (var c = NewClient())
            {
                // Cancelled before it starts: nothing is sent.
                var pre = new CancellationTokenSource();
                pre.Cancel();
                var t0 = c.SearchAsync(new SearchParams(), pre.Token);
                Assert.IsTrue(t0.IsCanceled);

                // Cancelled while pending: the task is cancelled at the next pump; its late
                // completion is freed and ignored.
                for (int i = 0; i < 5; i++)
                {
                    var cts = new CancellationTokenSource();
                    var t = c.SearchAsync(new SearchParams { Q = "coach" }, cts.Token);
                    cts.Cancel();
                    Assert.IsFalse(t.IsCompleted, "completes on the pumping thread, at the next pump");
                    c.Pump();
                    Assert.IsTrue(t.IsCanceled);
                    cts.Dispose();
                }
                PumpFor(c, 1000);
                Assert.AreEqual(0, c.PendingCalls, "no pending call left behind");
                // Cancelled from another thread: still completed (as cancelled) by the pump.
                var other = new CancellationTokenSource();
                var ts = c.FeaturedAsync(other.Token);
                var canceller = new Thread(() => other.Cancel());
                canceller.Start();
                canceller.Join();
                Assert.Throws<TaskCanceledException>(() => c.RunUntilComplete(ts));
                Assert.Greater(Run(c, c.CategoriesAsync()).Games.Count, 0, "the client still works");
                PumpFor(c, 500);
                Assert.AreEqual(0, c.PendingCalls);
            }

            // A pending event read: closing the stream ends it; a pending command fails Closed.
            using (var p = DemoPlayer())
            {
                var hired = Hire(p, CheapAgent(p), 200);
                var stream = p.OpenSession(hired.Session.Id);
                var r = new Reader(stream);
                PumpUntil(p, () => r.Events.Count >= 1, 30000, "an event");
                var cmd = stream.SendCommandAsync("late", new { x = 1 });
                stream.Close();
                PumpUntil(p, () => r.Ended && cmd.IsCompleted, 10000, "the stream's end and the command's failure");
                Assert.IsTrue(cmd.IsFaulted || cmd.Status == TaskStatus.RanToCompletion,
                    "the command either made it before the close or failed");
                if (cmd.IsFaulted) Assert.IsInstanceOf<ClosedException>(cmd.Exception.InnerException);
                int count = r.Events.Count;
                PumpFor(p, 500);
                Assert.AreEqual(count, r.Events.Count, "no event after the end");
                Run(p, p.EndSessionAsync(hired.Session.Id));
                Assert.AreEqual(0, p.PendingCalls);
            }
        }

        [Test]
        public void FlowNotifications()
        {
            using (var owner = NewClient())
            using (var hirer = DemoPlayer())
            {
                string ownerDevice, owned;
                OwnedAgent(out ownerDevice, out owned);
                Run(owner, owner.SignInDeviceAsync(ownerDevice));
                var notes = owner.OpenNotifications();
                var got = new List<Notification>();
                notes.NotificationReceived += n => got.Add(n);
                PumpFor(owner, 500); // the stream connects

                var hired = Run(hirer, hirer.HireAsync(new HireRequest
                {
                    AgentId = owned, Game = OwnedGame, Budget = 100, MaxMinutes = 5,
                }));
                Func<List<Notification>> hiredNotes = () => got.Where(n => n.Type == "agent.hired"
                    && n.Data.ToString().Contains(hired.Session.Id)).ToList();
                PumpUntil(owner, () => hiredNotes().Count >= 1, 15000, "agent.hired");
                Run(hirer, hirer.EndSessionAsync(hired.Session.Id));
                PumpUntil(owner, () => got.Any(n => n.Type == "session.ended"), 15000, "session.ended");
                PumpFor(owner, 500);
                Assert.AreEqual(1, hiredNotes().Count, "delivered once");
                Assert.IsNotNull(got[0].Id);
                notes.Close();
                PumpUntil(owner, () => notes.IsEnded, 5000, "the notification stream's end");
            }
        }

        [Test]
        public void FlowShutdown()
        {
            for (int round = 0; round < 3; round++)
            {
                // Work in flight: clients, a live stream, notifications, many pending calls.
                var c = DemoPlayer();
                var other = NewClient();
                var hired = Hire(c, CheapAgent(c), 200);
                var stream = c.OpenSession(hired.Session.Id);
                var events = 0;
                stream.EventReceived += _ => events++;
                c.OpenNotifications();
                var pending = new List<Task>();
                for (int i = 0; i < 20; i++)
                {
                    pending.Add(c.SearchAsync(new SearchParams { Limit = 3 }));
                    pending.Add(other.CategoriesAsync());
                }
                var command = stream.SendCommandAsync("in-flight", new { x = 1 });
                pending.Add(command);
                PumpUntil(c, () => events >= 1, 30000, "an event");

                JigaLibrary.Shutdown();
                Assert.IsFalse(JigaLibrary.IsInitialized);
                Assert.AreEqual(0, JigaLibrary.LiveClients);
                Assert.IsTrue(c.IsClosed && other.IsClosed);
                Assert.IsTrue(stream.IsEnded);
                Assert.IsInstanceOf<ClosedException>(stream.Error);
                foreach (var t in pending)
                {
                    Assert.IsTrue(t.IsCompleted, "every pending call completed at shutdown");
                    if (t.IsFaulted) Assert.IsInstanceOf<ClosedException>(t.Exception.InnerException);
                }
                Assert.AreEqual(0, c.PendingCalls + other.PendingCalls, "nothing left pending");
                Assert.IsInstanceOf<ClosedException>(c.WalletAsync().Exception.InnerException);
                Assert.AreEqual(0, c.Pump());
                c.Dispose();
                other.Dispose();
                JigaLibrary.Shutdown(); // idempotent

                // Init again: a new client works.
                JigaLibrary.Init();
                using (var again = DemoPlayer())
                {
                    Assert.Greater(Run(again, again.WalletAsync()).Balance, 0);
                    // The session from before the shutdown can be ended by the new client.
                    Run(again, again.EndSessionAsync(hired.Session.Id));
                }
            }
        }

        [Test]
        public void EventsOnlyOnThePumpingThread()
        {
            using (var c = DemoPlayer())
            {
                var pumpThread = Thread.CurrentThread.ManagedThreadId;
                var wrongThread = 0;
                var hired = Hire(c, CheapAgent(c), 200);

                // Calls started from other threads; the stream opened from another thread too.
                SessionStream stream = null;
                var tasks = new List<Task>();
                var starters = Enumerable.Range(0, 4).Select(i => new Thread(() =>
                {
                    for (int k = 0; k < 10; k++)
                    {
                        var t = c.WalletAsync();
                        lock (tasks) tasks.Add(t.ContinueWith(x =>
                        {
                            if (Thread.CurrentThread.ManagedThreadId != pumpThread) Interlocked.Increment(ref wrongThread);
                        }, TaskContinuationOptions.ExecuteSynchronously));
                    }
                })).ToList();
                var opener = new Thread(() => { stream = c.OpenSession(hired.Session.Id); });
                opener.Start();
                opener.Join();
                var events = 0;
                stream.EventReceived += e =>
                {
                    events++;
                    if (Thread.CurrentThread.ManagedThreadId != pumpThread) Interlocked.Increment(ref wrongThread);
                };
                starters.ForEach(t => t.Start());
                starters.ForEach(t => t.Join());
                PumpUntil(c, () => events >= 5 && tasks.All(t => t.IsCompleted), 30000, "events and calls");
                Assert.AreEqual(0, wrongThread, "every completion and event on the pumping thread");
                Run(c, c.EndSessionAsync(hired.Session.Id));
            }
        }

        [Test]
        public void RefusedArgumentsAndStaleHandles()
        {
            var bad = Assert.Throws<InvalidArgumentException>(() => new JigaClient("ftp://nowhere"));
            Assert.AreEqual(-5, bad.NativeStatus, "JIGA_ERR_INVALID_ARGUMENT");
            var cap = Assert.Throws<InvalidArgumentException>(() => new JigaClient(new JigaClientOptions { BaseUrl = Url, QueueCapacity = 0 }));
            Assert.AreEqual(-5, cap.NativeStatus);
            var json = Assert.Throws<InvalidArgumentException>(() => new JigaClient(new JigaClientOptions { BaseUrl = Url, TimeoutMs = -5 }));
            Assert.AreEqual(-4, json.NativeStatus, "JIGA_ERR_INVALID_JSON");
            StringAssert.Contains("-5", json.Message, "the message quotes the input");

            var c = NewClient();
            var pager = c.SearchPages(new SearchParams());
            c.Dispose();
            c.Dispose(); // twice is harmless
            Assert.IsInstanceOf<ClosedException>(c.WalletAsync().Exception.InnerException);
            Assert.IsInstanceOf<ClosedException>(pager.NextPageAsync().Exception.InnerException);
            Assert.Throws<ClosedException>(() => c.OpenNotifications());
            StringAssert.StartsWith("0.", JigaLibrary.Version);
        }
    }
}
