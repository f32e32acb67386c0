// Signs in as the demo player, hires the best-rated agent of the demo store it can afford,
// prints the session's stream, ends it after five actions and checks the settlement against
// what the stream charged. Kotlin on the JVM over the uniffi bindings (package ai.jiga.sdk).
//
// Run with: examples/kotlin/run.sh            (starts a demo store of its own)
//       or: examples/kotlin/run.sh http://127.0.0.1:3000
//           (a store: cargo run --release -p jiga-server -- --seed-demo)
package ai.jiga.examples

import ai.jiga.sdk.*
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) = runBlocking {
    val url = args.firstOrNull() ?: "http://127.0.0.1:3000"
    Client(ClientOptions(baseUrl = url), null).use { client ->
        val me = client.login("demo@jiga.dev", "demo-player-1")
        println("signed in as ${me.displayName}; wallet: ${client.wallet().available} DOF")

        val listing = client.search(SearchParams(sort = "rating", priceMax = 50, limit = 1u)).items.first()
        val agent = listing.agent
        println("hiring ${agent.name} (${agent.rank} ${agent.agentType}, ${agent.pricing.perMinute} DOF/min + ${agent.pricing.perAction}/action, rated ${"%.1f".format(listing.rating)})")
        val hire = client.hire(HireRequest(agentId = agent.id, game = agent.games.first(), budget = 300, expectedPricing = agent.pricing))

        // The budget guard warns at half the budget; the meter counts every charge.
        val options = StreamOptions(guard = GuardSpec(warnAt = listOf(0.5)))
        client.sessionEvents(hire.session.id, options).use { events ->
            var actions = 0
            events.asFlow().collect { e ->
                val line = when (val k = e.kind) {
                    is EventKind.Started -> "session ${k.session.id} started, budget ${k.session.budget}"
                    is EventKind.Action -> {
                        actions++
                        "${k.action}${k.target?.let { " $it" } ?: ""}: ${k.detail}"
                    }
                    is EventKind.Commentary -> "commentary: ${k.text}"
                    is EventKind.DofUpdate -> "charged ${k.delta} (${k.reason.name.lowercase()}), ${k.remaining} left"
                    is EventKind.CommandAck -> "command ${k.commandId} acknowledged"
                    is EventKind.Ended -> "ended (${k.reason}): consumed ${k.settlement.consumed}, owner ${k.settlement.ownerEarnings}, fee ${k.settlement.platformFee}, released ${k.settlement.released}"
                    is EventKind.Unknown -> "(${k.eventType})"
                }
                println("#%-4d %s".format(e.seq.toLong(), line))
                e.guardActions.filterIsInstance<GuardAction.Warn>().forEach { println("      budget guard: ${(it.fraction * 100).toInt()}% of the budget spent") }
                if (actions == 5 && e.kind is EventKind.Action) client.endSession(hire.session.id)
            }
            val meter = events.meter()
            val reconciled = events.reconciled()
            println("meter: ${meter.consumed} DOF in ${meter.charges} charges; reconciled with the settlement: ${reconciled != null}")
        }
    }
}
