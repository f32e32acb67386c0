// The Kotlin side of bench/run.sh: events per second reaching Kotlin objects (the generated
// `SessionEvent` data classes, each field read) from the replay of a finished session,
// through `nextBatch` (the `asFlow` path) and through `next()` per event.
// Args: URL SESSION_ID DEVICE_ID RUNS. Prints `name=value` lines.
package ai.jiga.sdk.bench

import ai.jiga.sdk.*
import kotlinx.coroutines.runBlocking

/** `nextBatch` calls of the last batched pass. */
var batchCalls = 0

/** Reads the whole replay once; returns events per second. */
suspend fun replay(c: Client, sid: String, total: ULong, batched: Boolean): Double {
    val start = System.nanoTime()
    var n = 0uL
    var check = 0L
    batchCalls = 0
    c.sessionEvents(sid, StreamOptions()).use { events ->
        while (true) {
            if (batched) {
                val batch = events.nextBatch(BATCH)
                batchCalls++
                if (batch.isEmpty()) break
                for (e in batch) {
                    n++
                    check += touch(e)
                }
            } else {
                val e = events.next() ?: break
                n++
                check += touch(e)
            }
        }
    }
    val secs = (System.nanoTime() - start) / 1e9
    if (n != total) throw IllegalStateException("the replay delivered $n of $total events")
    if (check == 42L) println("") // keeps `touch` from being optimised away
    return n.toDouble() / secs
}

/** Reads the fields a game would: the seq and the payload of the event's kind. */
fun touch(e: SessionEvent): Long {
    var v = e.seq.toLong() + e.tsMillis + e.consumedTotal
    when (val k = e.kind) {
        is EventKind.DofUpdate -> v += k.delta + k.remaining + k.reason.ordinal
        is EventKind.Action -> v += k.action.length + k.detail.length
        is EventKind.Commentary -> v += k.text.length
        is EventKind.Started -> v += k.session.budget
        is EventKind.Ended -> v += k.settlement.consumed
        else -> {}
    }
    return v
}

val BATCH: UInt = (System.getenv("JIGA_BENCH_BATCH") ?: "256").toUInt()

fun main(args: Array<String>) = runBlocking {
    val (url, sid, device, runsArg) = args
    val runs = runsArg.toInt()
    Client(ClientOptions(baseUrl = url), null).use { c ->
        c.signInDevice(device)
        val total = c.session(sid).lastSeq
        // Untimed passes warm the JIT up (a game reads for minutes; the steady state counts).
        repeat(3) { replay(c, sid, total, batched = true) }
        val batch = (1..runs).maxOf { replay(c, sid, total, batched = true) }
        // A call per event costs a JNA round trip per event: one pass tells that story.
        val single = if (System.getenv("JIGA_BENCH_SKIP_NEXT") == "1") 0.0 else replay(c, sid, total, batched = false)
        println("events=$total")
        println("kotlin_batch=${batch.toLong()}")
        println("kotlin_next=${single.toLong()}")
        replay(c, sid, total, batched = true)
        println("batch_mean=${total.toLong() / batchCalls}")
    }
}
