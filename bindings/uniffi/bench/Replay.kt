// The Kotlin side of bench/run.sh: events per second reaching Kotlin objects (the generated
// `SessionEvent` data classes, each field read) from the replay of a finished session,
// through `nextBatch` (the `asFlow` path) and through `next()` per event; and, to tell where
// the time goes, the buffers of `nextPacked` (what `nextBatch` decodes) taken without
// making any object of them.
// Args: URL SESSION_ID DEVICE_ID RUNS. Prints `name=value` lines.
package ai.jiga.sdk.bench

import ai.jiga.sdk.*
import kotlinx.coroutines.runBlocking

/** Calls of the last batched (or `PACKED`) pass; those of the last `PACKED` pass that found
 *  nothing queued and waited (an async call). */
var batchCalls = 0
var waits = 0

/** How a pass reads. */
enum class Mode { BATCH, NEXT, PACKED }

private val threads = java.lang.management.ManagementFactory.getThreadMXBean()
private val os = java.lang.management.ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean

/** CPU nanoseconds per event of the last pass: the reading thread's, and the whole JVM's. */
var readerCpu = 0.0
var processCpu = 0.0

/** CPU ticks of each of this process's threads by name (Linux's /proc; empty elsewhere). */
fun threadTicks(): Map<String, Long> {
    val out = HashMap<String, Long>()
    val tasks = java.io.File("/proc/self/task").listFiles() ?: return out
    for (t in tasks) {
        try {
            val name = java.io.File(t, "comm").readText().trim().replace(Regex("[#0-9]+$"), "")
            val stat = java.io.File(t, "stat").readText()
            val f = stat.substring(stat.lastIndexOf(')') + 2).split(' ')
            out.merge(name, f[11].toLong() + f[12].toLong(), Long::plus)
        } catch (e: java.io.IOException) {
            // The thread ended meanwhile.
        }
    }
    return out
}

/** Reads the whole replay once; returns events per second. */
suspend fun replay(c: Client, sid: String, total: ULong, mode: Mode): Double {
    val start = System.nanoTime()
    val thread0 = threads.currentThreadCpuTime
    val process0 = os.processCpuTime
    var n = 0uL
    var check = 0L
    batchCalls = 0
    waits = 0
    c.sessionEvents(sid, StreamOptions()).use { events ->
        while (true) {
            when (mode) {
                Mode.BATCH -> {
                    val batch = events.nextBatch(BATCH)
                    batchCalls++
                    if (batch.isEmpty()) break
                    for (e in batch) {
                        n++
                        check += touch(e)
                    }
                }
                Mode.NEXT -> {
                    val e = events.next() ?: break
                    n++
                    check += touch(e)
                }
                Mode.PACKED -> {
                    // The batch's bytes only, taken as `nextBatch` takes them (byte 0 the
                    // format, then the events' count).
                    var bytes = events.tryNextPacked(BATCH)
                    if (java.nio.ByteBuffer.wrap(bytes).getInt(1) == 0) {
                        waits++
                        bytes = events.nextPacked(BATCH)
                    }
                    batchCalls++
                    val count = java.nio.ByteBuffer.wrap(bytes).getInt(1)
                    if (count == 0) break
                    n += count.toULong()
                    check += bytes.size
                }
            }
        }
    }
    val secs = (System.nanoTime() - start) / 1e9
    readerCpu = (threads.currentThreadCpuTime - thread0).toDouble() / n.toDouble()
    processCpu = (os.processCpuTime - process0).toDouble() / n.toDouble()
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

/** A warm-up pass in which the JIT compiler threads ran at most this many ticks (10 ms) ends
 *  the warm-up. */
const val JIT_IDLE_TICKS = 2L

/** Warm-up passes of the last [timed] call, and its CPU figures (per pass: the reading
 *  thread's and the JVM's ns per event; the JVM's threads' ticks over the timed passes). */
var warmRounds = 0
var cpuLog = ""
var timedTicks = ""

fun compilerTicks(): Long = threadTicks().filterKeys { it.contains("Compiler") }.values.sum()

/** The best events per second of [runs] passes of [mode], after untimed passes that warm the
 *  JIT up (a game reads for minutes; the steady state counts): at least 3, until one leaves
 *  the JIT compilers (nearly) idle — on 2 cores a C2 thread still compiling takes the CPU the
 *  server and the stream driver need. */
suspend fun timed(c: Client, sid: String, total: ULong, mode: Mode, runs: Int): Double {
    warmRounds = 0
    do {
        val jit0 = compilerTicks()
        replay(c, sid, total, mode)
        warmRounds++
    } while (warmRounds < 3 || (compilerTicks() - jit0 > JIT_IDLE_TICKS && warmRounds < 40))
    var best = 0.0
    val log = StringBuilder()
    val ticks0 = threadTicks()
    repeat(runs) {
        best = maxOf(best, replay(c, sid, total, mode))
        log.append(" %.0f/%.0f".format(readerCpu, processCpu))
    }
    timedTicks = threadTicks().map { (k, v) -> k to v - (ticks0[k] ?: 0L) }.filter { it.second > 0 }
        .sortedByDescending { it.second }.joinToString(" ") { "${it.first}:${it.second}" }
    cpuLog = log.toString()
    return best
}

fun main(args: Array<String>) = runBlocking {
    val (url, sid, device, runsArg) = args
    val runs = runsArg.toInt()
    Client(ClientOptions(baseUrl = url), null).use { c ->
        c.signInDevice(device)
        val total = c.session(sid).lastSeq
        val batch = timed(c, sid, total, Mode.BATCH, runs)
        val batchTicks = timedTicks
        val batchWarmup = warmRounds
        val batchCpu = cpuLog
        val packed = timed(c, sid, total, Mode.PACKED, runs)
        val packedWaits = "$waits of $batchCalls"
        // A call per event costs a JNA round trip per event: one pass tells that story.
        val single = if (System.getenv("JIGA_BENCH_SKIP_NEXT") == "1") 0.0 else replay(c, sid, total, Mode.NEXT)
        println("events=$total")
        println("kotlin_batch=${batch.toLong()}")
        println("kotlin_packed=${packed.toLong()}")
        println("kotlin_next=${single.toLong()}")
        println("batch_warmup_passes=$batchWarmup")
        println("batch_cpu=$batchCpu")
        println("batch_cpu_ticks_by_thread=$batchTicks")
        println("packed_warmup_passes=$warmRounds")
        println("packed_calls_that_waited=$packedWaits")
        println("packed_cpu=$cpuLog")
        replay(c, sid, total, Mode.BATCH)
        println("batch_mean=${total.toLong() / batchCalls}")
    }
}
