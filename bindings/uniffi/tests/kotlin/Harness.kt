// A small test harness (JUnit is not on this machine's JVM classpath, and Maven is out of
// reach): each test is a suspend block run in runBlocking; after each one the library's
// live-object and in-flight counts must be back to zero, so a test that leaks a native
// object or leaves a call running fails. Prints `Kotlin: N passed, N failed` last.
package ai.jiga.sdk.tests

import ai.jiga.sdk.callsInFlight
import ai.jiga.sdk.liveNativeObjects
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.system.exitProcess

class Check(message: String) : AssertionError(message)

fun check(cond: Boolean, what: () -> String) {
    if (!cond) throw Check(what())
}

fun <T> checkEq(expected: T, actual: T, what: String) {
    if (expected != actual) throw Check("$what: expected $expected, got $actual")
}

inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw Check("$what: expected ${E::class.simpleName}, got $e")
    }
    throw Check("$what: expected ${E::class.simpleName}, nothing was thrown")
}

/** Waits up to [ms] for the library's counts to return to zero; the counts it saw last. */
suspend fun settledCounts(ms: Long = 3000): Pair<Long, Long> {
    val deadline = System.currentTimeMillis() + ms
    while (true) {
        val counts = liveNativeObjects() to callsInFlight()
        if (counts == 0L to 0L || System.currentTimeMillis() > deadline) return counts
        delay(20)
    }
}

class Suite(private val only: String?) {
    private var passed = 0
    private var failed = 0

    fun test(name: String, timeoutMs: Long = 90_000, body: suspend () -> Unit) {
        if (only != null && !name.contains(only)) return
        val start = System.nanoTime()
        try {
            runBlocking {
                withTimeout(timeoutMs) { body() }
                val (objects, calls) = settledCounts()
                check(objects == 0L && calls == 0L) {
                    "leak: $objects native objects alive, $calls calls in flight after the test"
                }
            }
            passed++
            println("ok   $name (${(System.nanoTime() - start) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace(System.out)
        }
    }

    fun finish(): Nothing {
        println("Kotlin: $passed passed, $failed failed")
        exitProcess(if (failed == 0 && passed > 0) 0 else 1)
    }
}
