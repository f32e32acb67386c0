// The binding flows (shared/notes/binding-flows.md) in Kotlin on the JVM, against the real
// jiga-server over real sockets (started by tests/run.sh, which passes their URLs in the
// environment), through the generated uniffi bindings and JigaFlows.kt.
package ai.jiga.sdk.tests

import ai.jiga.sdk.*
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.io.File
import java.util.UUID

fun env(name: String): String =
    System.getenv(name)?.takeIf { it.isNotEmpty() }
        ?: throw IllegalStateException("$name is not set: run the suite through tests/run.sh")

val url by lazy { env("JIGA_TEST_URL") }

fun unique(prefix: String) = "$prefix-${UUID.randomUUID().toString().replace("-", "").take(12)}"

/** Closes what a test made, last first, when the test ends (pass or fail). */
class Closer : AutoCloseable {
    private val owned = ArrayDeque<AutoCloseable>()
    fun <T : AutoCloseable> own(x: T): T = x.also { owned.addFirst(it) }
    override fun close() = owned.forEach { it.close() }
}

suspend fun closing(body: suspend Closer.() -> Unit) = Closer().use { it.body() }

/** A TokenStore in memory that counts its saves. */
class MemoryStore(@Volatile var tokens: Tokens? = null) : TokenStore {
    @Volatile var saves = 0
    override fun load(): Tokens? = tokens
    override fun save(tokens: Tokens?) {
        saves++
        this.tokens = tokens
    }
}

fun Closer.client(
    base: String = url,
    maxAttempts: UInt? = null,
    store: TokenStore? = null,
): Client = own(Client(ClientOptions(baseUrl = base, maxAttempts = maxAttempts), store))

/** A published agent of a fresh owner (signed in on [c]), acting [aps] times a second. */
suspend fun fastAgent(c: Client, aps: UInt = 20u, perAction: Long = 1): Agent {
    c.signInDevice(unique("owner"))
    val agent = c.createAgent(
        CreateAgentRequest(
            name = "Kt flow agent",
            rank = "gold",
            agentType = "coach",
            provider = "kt-tests",
            pricing = Pricing(perMinute = 0, perAction = perAction),
            games = listOf("chess"),
            actionsPerSecond = aps,
        ),
    )
    return c.publishAgent(agent.id)
}

fun seqsGapless(seqs: List<ULong>) = seqs == (1uL..seqs.size.toULong()).toList()

fun main(args: Array<String>) {
    val suite = Suite(args.firstOrNull())

    suite.test("flow_sign_in") {
        closing {
            val device = client()
            check(!device.isSignedIn()) { "a new client is signed out" }
            val me = device.signInDevice(unique("dev"))
            check(me.id.startsWith("usr_") && me.email == null) { "device user: $me" }

            val store = MemoryStore()
            val email = unique("kt") + "@example.com"
            val reg = client(store = store)
            val user = reg.register(RegisterRequest(email = email, password = "correct horse 1", displayName = "Kt Bot"))
            checkEq(email, user.email, "registered email")
            checkEq(1, store.saves, "saves after register")
            val again = client(store = MemoryStore())
            checkEq(user.id, again.login(email, "correct horse 1").id, "login")

            // A new client over the same store starts signed in: no new login.
            val restored = client(store = store)
            check(restored.isSignedIn()) { "restored from the store" }
            checkEq(user.id, restored.me().user.id, "me() of the restored client")
            checkEq(user.id, restored.tokens()?.userId, "tokens()")
            checkEq(1, store.saves, "saves: the restored client logged in again")
            restored.signOut()
            check(!restored.isSignedIn() && store.tokens == null) { "sign-out clears the store" }
        }
    }

    suite.test("flow_refresh") {
        closing {
            val store = MemoryStore()
            val c = client(env("JIGA_TEST_URL_SHORT_TTL"), store = store)
            c.signInDevice(unique("refresh"))
            val before = c.tokens()
            repeat(2) {
                delay(2200)
                val wallets = coroutineScope { (1..8).map { async { c.wallet() } }.awaitAll() }
                check(wallets.all { it.balance == 0L }) { "wallets: $wallets" }
            }
            check(c.tokens() != before) { "the tokens were refreshed" }
            // One sign-in, then one refresh per round for eight concurrent calls.
            checkEq(3, store.saves, "saves (sign-in + one refresh per round)")
        }
    }

    suite.test("flow_search_paging") {
        closing {
            val c = client(maxAttempts = 2u)
            c.signInDevice(unique("search"))
            val first = c.search(SearchParams(sort = "rating", limit = 7u))
            check(first.total >= 40uL && first.items.size == 7) { "first page: ${first.total}, ${first.items.size}" }
            checkEq(first.total, first.facets.rank.values.sum(), "rank facets sum to total")
            val seen = own(c.searchPages(SearchParams(sort = "rating", limit = 7u))).asFlow().toList().map { it.agent.id }
            checkEq(first.total.toInt(), seen.size, "every page walked")
            checkEq(seen.size, seen.toSet().size, "each listing once")
            val chess = c.search(SearchParams(game = listOf("chess"), priceMax = 50, limit = 100u))
            check(chess.items.isNotEmpty() && chess.items.all { l -> l.agent.pricing.perMinute <= 50 && l.agent.games.any { it.equals("chess", ignoreCase = true) } }) {
                "chess filter: ${chess.items.map { it.agent.games to it.agent.pricing }}"
            }
            val id = first.items[0].agent.id
            checkEq(id, c.listing(id).agent.id, "listing")
            check(c.featured().isNotEmpty()) { "featured" }
            check(c.categories().games.isNotEmpty()) { "categories" }
            checkEq(first.items[0].agent.name, c.agent(id).name, "agent")
            // The typed filter is refused by the core's parser like any binding's JSON.
            val bad = expectThrows<JigaException.InvalidArgument>("a bad sort") { c.searchPages(SearchParams(sort = "sideways")) }
            checkEq("params", bad.field, "the argument named")
        }
    }

    suite.test("flow_hire_stream_end") {
        closing {
            val c = client()
            c.login("demo@jiga.dev", "demo-player-1")
            val listing = c.search(SearchParams(sort = "rating", priceMax = 50, limit = 1u)).items[0]
            val hire = c.hire(HireRequest(agentId = listing.agent.id, game = listing.agent.games[0], budget = 300))
            val events = own(c.sessionEvents(hire.session.id, StreamOptions()))
            val seqs = mutableListOf<ULong>()
            var actions = 0
            var counted = 0L
            var ended = false
            while (true) {
                val e = events.next() ?: break
                seqs += e.seq
                if (e.seq == 1uL) {
                    val k = e.kind
                    check(k is EventKind.Started && k.session.id == hire.session.id) { "seq 1 is session.started: $e" }
                }
                when (val k = e.kind) {
                    is EventKind.Action -> if (++actions == 3) {
                        val s = c.endSession(hire.session.id).settlement
                        checkEq(s.consumed, s.ownerEarnings + s.platformFee, "consumed = owner + fee")
                        checkEq(300 - s.consumed, s.released, "released = budget - consumed")
                    }
                    is EventKind.DofUpdate -> {
                        counted += k.delta
                        checkEq(counted, k.consumed, "consumed")
                        checkEq(300 - counted, k.remaining, "remaining")
                    }
                    is EventKind.Ended -> ended = true
                    else -> {}
                }
            }
            check(ended && actions >= 3) { "read to session.ended ($actions actions)" }
            check(seqsGapless(seqs)) { "seqs gapless: $seqs" }
            val again = expectThrows<JigaException.Conflict>("ending twice") { c.endSession(hire.session.id) }
            checkEq(409.toUShort(), again.status, "status")
            checkEq("conflict", again.code, "code")
            checkEq("ended", c.session(hire.session.id).status, "session status")
        }
    }

    suite.test("flow_reconcile") {
        closing {
            val agent = fastAgent(client(), aps = 20u, perAction = 3)
            val c = client()
            c.signInDevice(unique("reconcile"))
            c.topup(TopupRequest(amount = 400))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 300))
            val events = own(c.sessionEvents(hire.session.id, StreamOptions()))
            var metered = 0L
            var settled: Settlement? = null
            var endedConsumed: Long? = null
            // Through the Flow wrapper (batched reads).
            events.asFlow().collect { e ->
                when (val k = e.kind) {
                    is EventKind.DofUpdate -> {
                        metered += k.delta
                        if (metered >= 30 && settled == null) settled = c.endSession(hire.session.id).settlement
                    }
                    is EventKind.Ended -> endedConsumed = k.settlement.consumed
                    else -> {}
                }
            }
            val r = events.reconciled() ?: throw Check("no reconciliation after session.ended")
            val meter = events.meter()
            checkEq(metered, endedConsumed, "session.ended's settlement")
            checkEq(metered, r.consumed, "reconciled consumed")
            checkEq(metered, meter.consumed, "meter consumed")
            checkEq(metered, settled?.consumed, "settlement consumed")
            checkEq(r.consumed, r.ownerEarnings + r.platformFee, "owner + fee")
            checkEq(300 - r.consumed, r.released, "released")
            checkEq(r.charges, meter.charges, "charges")
            checkEq(300L, meter.budget, "meter budget")
        }
    }

    suite.test("flow_budget_guard") {
        closing {
            val agent = fastAgent(client(), aps = 10u, perAction = 2)
            val c = client()
            c.signInDevice(unique("guard"))
            c.topup(TopupRequest(amount = 500))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 200))
            val options = StreamOptions(guard = GuardSpec(cap = 20, warnAt = listOf(0.05)), endAtCap = true)
            val events = own(c.sessionEvents(hire.session.id, options))
            var warns = 0
            var end: CapEnd? = null
            val read = mutableListOf<SessionEvent>()
            while (true) {
                val e = events.next() ?: break
                read += e
                warns += e.guardActions.count { it is GuardAction.Warn }
                if (e.capEnd != null) end = e.capEnd
            }
            checkEq(1, warns, "warnings")
            val response = end?.response ?: throw Check("the stream did not end the session at its cap: $end")
            val consumed = response.settlement.consumed
            check(consumed in 20L..22L) { "consumed $consumed not within the cap plus one charge" }
            // The same session replayed through nextBatch (asFlow, the packed buffer): the same
            // records as next() gave, field for field (the replay's own end at the cap answers
            // differently, the session being over: only where it comes is compared).
            val replayed = own(c.sessionEvents(hire.session.id, options)).asFlow().toList()
            checkEq(read.map { it.copy(capEnd = null) }, replayed.map { it.copy(capEnd = null) }, "events by nextBatch and by next()")
            checkEq(read.indexOfFirst { it.capEnd != null }, replayed.indexOfFirst { it.capEnd != null }, "the event with capEnd")
        }
    }

    suite.test("flow_command_ack") {
        closing {
            val agent = fastAgent(client(), aps = 5u)
            val c = client()
            c.signInDevice(unique("cmd"))
            c.topup(TopupRequest(amount = 100))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 50))
            val events = own(c.sessionEvents(hire.session.id, StreamOptions()))
            // Nobody reads events while the command waits for its acknowledgement.
            withTimeout(20_000) { events.command("focus-1", """{"focus": "mid"}""") }
            checkEq("focus-2", c.sendCommand(hire.session.id, "focus-2", """{"focus": "top"}""").commandId, "REST command")
            c.endSession(hire.session.id)
            val acks = events.asFlow().toList().mapNotNull { (it.kind as? EventKind.CommandAck)?.commandId }
            checkEq(listOf("focus-1", "focus-2"), acks.take(2), "acknowledgements")
            expectThrows<JigaException.InvalidArgument>("command data not JSON") { events.command("x", "{nope") }
        }
    }

    suite.test("flow_resume_across_cuts") {
        closing {
            val agent = fastAgent(client(), aps = 50u)
            val c = client()
            c.signInDevice(unique("cuts"))
            c.topup(TopupRequest(amount = 1000))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 900))
            delay(3000)
            c.endSession(hire.session.id)
            val stats = File(env("JIGA_TEST_CHOP_STATS"))
            fun cuts() = stats.takeIf { it.exists() }?.readText()?.trim()?.toIntOrNull() ?: 0
            val before = cuts()
            val via = client(env("JIGA_TEST_URL_CHOP"), store = MemoryStore(c.tokens()))
            val events = own(via.sessionEvents(hire.session.id, StreamOptions()))
            val seqs = events.asFlow(batch = 64u).toList().map { it.seq }
            val cut = cuts() - before
            check(seqsGapless(seqs) && seqs.size > 200) { "every seq once, in order (${seqs.size})" }
            check(cut >= 50) { "only $cut cuts" }
            check(events.reconciled() != null) { "reconciled across cuts" }
        }
    }

    suite.test("flow_errors") {
        closing {
            val anon = client(maxAttempts = 1u)
            val e1 = expectThrows<JigaException.Unauthenticated>("wallet signed out") { anon.wallet() }
            checkEq(401.toUShort(), e1.status, "401")
            check(e1.requestId != null) { "request id" }
            checkEq("unauthenticated", e1.info().kind, "info().kind")
            checkEq(e1.requestId, e1.info().requestId, "info().requestId")

            val c = client()
            c.login("demo@jiga.dev", "demo-player-1")
            val nf = expectThrows<JigaException.NotFound>("listing") { c.listing("agt_does_not_exist") }
            checkEq("not_found", nf.code, "code")
            val bad = expectThrows<JigaException.InvalidArgument>("limit") { c.search(SearchParams(limit = 100000u)) }
            check(bad.field != null && bad.status == 400.toUShort() && bad.requestId != null) { "invalid argument: ${bad.info()}" }

            val listing = c.search(SearchParams(sort = "rating", limit = 1u)).items[0]
            val poor = expectThrows<JigaException.InsufficientFunds>("hire beyond the wallet") {
                c.hire(HireRequest(agentId = listing.agent.id, game = listing.agent.games[0], budget = 1_000_000))
            }
            checkEq(1_000_000L, poor.needed, "needed")
            val available = poor.available ?: throw Check("available missing")
            check(available in 0L until 1_000_000L) { "available $available" }
            checkEq(402.toUShort(), poor.status, "402")

            val other = client()
            other.signInDevice(unique("other"))
            expectThrows<JigaException.Forbidden>("another user") { other.user(c.me().user.id) }
            val key = "kt-key-" + unique("k")
            other.topupWithKey(TopupRequest(amount = 5), key)
            checkEq(5L, other.topupWithKey(TopupRequest(amount = 5), key).amount, "the same key replays")
            expectThrows<JigaException.IdempotencyConflict>("key reused") { other.topupWithKey(TopupRequest(amount = 6), key) }
            checkEq(5L, other.wallet().balance, "one top-up for the key")

            val limited = client(env("JIGA_TEST_URL_LIMITED"), maxAttempts = 1u)
            val rl = expectThrows<JigaException.RateLimited>("rate limit") { repeat(20) { limited.categories() } }
            check((rl.retryAfterMs ?: 0uL) > 0uL) { "retryAfterMs: ${rl.retryAfterMs}" }
            check(rl is JigaException) { "a JigaException" }

            // Refused by the client itself: no status, no code, no request id.
            val local = expectThrows<JigaException.InvalidArgument>("bad base url") { own(Client(ClientOptions(baseUrl = "not a url"), null)) }
            check(local.status == null && local.code == null && local.requestId == null) { "client-side error: ${local.info()}" }
            checkEq("baseUrl", local.field, "field")
        }
    }

    suite.test("flow_idempotent_retry") {
        closing {
            val agent = fastAgent(client(), aps = 1u)
            val c = client(env("JIGA_TEST_URL_DROP"))
            c.signInDevice(unique("retry"))
            c.topup(TopupRequest(amount = 500))
            // The proxy drops the first answer to the hire; the core retries under its key.
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 120))
            checkEq(380L, c.wallet().available, "the wallet moved once")
            checkEq(listOf("first_hire"), c.achievements().map { it.id }, "first_hire unlocked once")
            checkEq(1, c.sessions(SessionFilter(status = "active")).items.size, "one session")
            c.endSession(hire.session.id)
        }
    }

    suite.test("flow_cancel") {
        closing {
            val agent = fastAgent(client(), aps = 1u)
            val c = client()
            c.login("demo@jiga.dev", "demo-player-1")
            c.topup(TopupRequest(amount = 100))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 50))
            val events = own(c.sessionEvents(hire.session.id, StreamOptions()))
            checkEq(1uL, events.next()?.seq, "first event")
            coroutineScope {
                // A pending event read, cancelled: no event is lost.
                val read = launch { events.next() }
                delay(100)
                check(callsInFlight() >= 1L) { "the read is pending in the core" }
                read.cancel()
                read.join()
                checkEq(2uL, events.next()?.seq, "the next read after the cancelled one")
                // Pending calls, cancelled.
                val calls = (1..10).map { launch { c.search(SearchParams(q = "coach", limit = 50u)) } }
                delay(5)
                calls.forEach { it.cancel() }
                calls.forEach { it.join() }
            }
            val (_, running) = settledCounts()
            checkEq(0L, running, "calls in flight after the cancellations")
            check(c.wallet().balance >= 0) { "the client still works" }
            c.endSession(hire.session.id)
        }
    }

    suite.test("flow_notifications") {
        closing {
            val ownerClient = client()
            val agent = fastAgent(ownerClient, aps = 1u)
            val notes = own(ownerClient.notifications())
            coroutineScope {
                val first = async { notes.next() }
                delay(500)
                val c = client()
                c.signInDevice(unique("hirer"))
                c.topup(TopupRequest(amount = 100))
                val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 50))
                val got = mutableListOf(withTimeout(20_000) { first.await() } ?: throw Check("stream ended"))
                while (got.none { it.kind == "agent.hired" }) {
                    got += withTimeout(20_000) { notes.next() } ?: throw Check("stream ended")
                }
                val hired = got.filter { it.kind == "agent.hired" }
                checkEq(1, hired.size, "agent.hired once")
                check(hire.session.id in hired[0].dataJson) { "the hire's session in ${hired[0].dataJson}" }
                notes.stop()
                checkEq(null, notes.next(), "next() after stop()")
                c.endSession(hire.session.id)
            }
        }
    }

    suite.test("flow_webhook") {
        closing {
            val c = client()
            c.signInDevice(unique("hooked"))
            checkEq(null, c.webhook(), "no webhook yet")
            checkEq(false, c.deleteWebhook(), "nothing to delete")
            // A receiver on loopback (the JDK's HTTP server): each request's signature and raw body.
            val got = java.util.concurrent.LinkedBlockingQueue<Pair<String, ByteArray>>()
            val server = com.sun.net.httpserver.HttpServer.create(java.net.InetSocketAddress("127.0.0.1", 0), 0)
            server.createContext("/hook") { ex ->
                val body = ex.requestBody.readBytes()
                got.put((ex.requestHeaders.getFirst("JIGA-Signature") ?: "") to body)
                ex.sendResponseHeaders(204, -1)
                ex.close()
            }
            server.start()
            try {
                val hookUrl = "http://127.0.0.1:${server.address.port}/hook"
                val hook = c.setWebhook(hookUrl)
                checkEq(hookUrl, hook.url, "set url")
                check(hook.secret.startsWith("whsec_")) { "secret ${hook.secret.take(6)}…" }
                checkEq(Webhook(url = hookUrl), c.webhook(), "read back without its secret")

                // One real delivery: a dev top-up completes at once, notifying the caller.
                c.topup(TopupRequest(amount = 50))
                val (signature, body) = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
                    got.poll(20, java.util.concurrent.TimeUnit.SECONDS)
                } ?: throw Check("no delivery within 20 s")
                val n = verifyWebhook(hook.secret, signature, body)
                checkEq("transaction.completed", n.kind, "delivered type")
                check(n.id.startsWith("ntf_")) { "id ${n.id}" }
                check("\"amount\":50" in n.dataJson) { "data ${n.dataJson}" }

                val tampered = String(body).replace("\"amount\":50", "\"amount\":5000").toByteArray()
                check(!tampered.contentEquals(body)) { "the body was changed" }
                expectThrows<WebhookException.BadSignature>("a tampered body") {
                    verifyWebhook(hook.secret, signature, tampered)
                }
                expectThrows<WebhookException.BadSignature>("another secret") {
                    verifyWebhook("whsec_other", signature, body)
                }
                val later = java.time.Instant.now().plusSeconds(3600)
                val late = expectThrows<WebhookException.TimestampOutOfTolerance>("an hour late") {
                    verifyWebhook(hook.secret, signature, body, now = later)
                }
                checkEq(later.epochSecond, late.now, "the clock it was checked against")
                checkEq(n.id, verifyWebhook(hook.secret, signature, body, later, java.time.Duration.ofHours(2)).id, "a wider tolerance")
                expectThrows<WebhookException.MalformedHeader>("no t=") {
                    verifyWebhook(hook.secret, "v1=nope", body)
                }
            } finally {
                server.stop(0)
            }
            checkEq(true, c.deleteWebhook(), "deleted")
            checkEq(null, c.webhook(), "gone")
            checkEq(false, c.deleteWebhook(), "deleted again")
        }
    }

    suite.test("flow_shutdown") {
        closing {
            val agent = fastAgent(client(), aps = 1u)
            val c = client()
            c.signInDevice(unique("shutdown"))
            c.topup(TopupRequest(amount = 100))
            val hire = c.hire(HireRequest(agentId = agent.id, game = "chess", budget = 50))
            val events = own(c.sessionEvents(hire.session.id, StreamOptions()))
            events.next()
            coroutineScope {
                val reading = async { while (events.next() != null) { } }
                val calls = (1..5).map { async { runCatching { c.search(SearchParams(q = "coach")) } } }
                delay(50)
                c.shutdown()
                withTimeout(10_000) { reading.await() } // the stream ended
                calls.awaitAll().forEach { r ->
                    r.exceptionOrNull()?.let { check(it is JigaException.Closed) { "a call cut short fails with Closed: $it" } }
                }
            }
            check(c.isShutDown()) { "isShutDown" }
            expectThrows<JigaException.Closed>("a call after shutdown") { c.wallet() }
            // The tokens are still there for a new client.
            val fresh = client(store = MemoryStore(c.tokens()))
            fresh.endSession(hire.session.id)
        }
    }

    suite.finish()
}
