// Hand-written Kotlin shipped beside the generated `jiga_uniffi.kt` (package ai.jiga.sdk):
// `SessionEvents.nextBatch` (the reader of the batch buffer the crate's `src/packed.rs`
// writes), kotlinx.coroutines `Flow`s over the pull objects, and small conveniences. No rule
// of the store lives here: paging, resume and accounting are the core's; these only decode
// what the core handed over and loop over `nextBatch`/`next`/`nextPage` until the core says
// the stream or list is over.
package ai.jiga.sdk

import java.nio.ByteBuffer
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * Every event already queued, up to [max]; when none is, suspends until one arrives. Empty
 * after `session.ended`. An error met after some events is thrown by the following call.
 *
 * The events cross the FFI as one buffer (`tryNextPacked`, or `nextPacked` when it has to
 * wait; the format of the crate's `src/packed.rs`) and are made into [SessionEvent] records here, each string once — the
 * records `next()` returns, with every field.
 */
suspend fun SessionEvents.nextBatch(max: UInt = 256u): List<SessionEvent> {
    // What is queued already comes through a plain call; only an empty queue costs an async
    // call (a future polled across JNA and its callback).
    val queued = decodeEventBatch(tryNextPacked(max))
    return if (queued.isNotEmpty()) queued else decodeEventBatch(nextPacked(max))
}

/** The events of a `nextPacked` buffer (see `src/packed.rs`; both ship together). */
internal fun decodeEventBatch(bytes: ByteArray): List<SessionEvent> {
    val buf = ByteBuffer.wrap(bytes) // big-endian, as the buffer and uniffi's converters
    val version = buf.get().toInt()
    check(version == 1) { "libjiga_uniffi's event batch is of format $version, this SDK reads 1" }
    val n = buf.getInt()
    if (n == 0) return emptyList()
    val out = ArrayList<SessionEvent>(n)
    repeat(n) {
        val seq = buf.getLong().toULong()
        val tsMillis = buf.getLong()
        val consumedTotal = buf.getLong()
        val kind = when (buf.get().toInt()) {
            1 -> EventKind.Action(buf.string(bytes), buf.stringOrNull(bytes), buf.string(bytes))
            2 -> EventKind.Commentary(buf.string(bytes))
            3 -> EventKind.DofUpdate(
                buf.getLong(), buf.getLong(), buf.getLong(),
                if (buf.get().toInt() == 0) ChargeReason.ACTION else ChargeReason.MINUTE,
            )
            4 -> EventKind.CommandAck(buf.string(bytes))
            else -> FfiConverterTypeEventKind.read(buf)
        }
        val actions = when (val count = buf.get().toInt()) {
            0 -> emptyList()
            else -> List(count) { if (buf.get().toInt() == 0) GuardAction.Warn(buf.getDouble()) else GuardAction.End }
        }
        val capEnd = if (buf.get().toInt() == 0) null else FfiConverterTypeCapEnd.read(buf)
        out.add(SessionEvent(seq, tsMillis, kind, consumedTotal, actions, capEnd))
    }
    return out
}

private fun ByteBuffer.string(bytes: ByteArray): String = stringOrNull(bytes)!!

private fun ByteBuffer.stringOrNull(bytes: ByteArray): String? {
    val len = getInt()
    if (len < 0) return null
    val at = position()
    position(at + len)
    return String(bytes, at, len, Charsets.UTF_8)
}

/**
 * The session's events as a cold [Flow], ending after `session.ended`. Events cross the FFI
 * in batches (every event already queued, up to [batch], per call). Cancelling the collector
 * cancels the pending read; no event is lost, and the handle stays open (close it, or use
 * `events.use { ... }`).
 */
fun SessionEvents.asFlow(batch: UInt = 256u): Flow<SessionEvent> = flow {
    while (true) {
        val events = nextBatch(batch)
        if (events.isEmpty()) break
        for (e in events) emit(e)
    }
}

/** The notifications as a [Flow], until [Notifications.stop]. */
fun Notifications.asFlow(): Flow<Notification> = flow {
    while (true) emit(next() ?: break)
}

/** Every listing of the search, page after page. */
fun SearchPager.asFlow(): Flow<Listing> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** Every session, page after page. */
fun SessionPager.asFlow(): Flow<Session> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** Every transaction, page after page. */
fun TransactionPager.asFlow(): Flow<Transaction> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** Every review, page after page. */
fun ReviewPager.asFlow(): Flow<Review> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** Every agent of the caller's, page after page. */
fun MyAgentPager.asFlow(): Flow<Agent> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** Every version of an agent, page after page. */
fun VersionPager.asFlow(): Flow<Agent> = flow {
    while (true) (nextPage() ?: break).items.forEach { emit(it) }
}

/** The event's `type` on the wire (`session.started`, `agent.action`, …). */
val SessionEvent.type: String
    get() = when (val k = kind) {
        is EventKind.Started -> "session.started"
        is EventKind.Action -> "agent.action"
        is EventKind.Commentary -> "agent.commentary"
        is EventKind.DofUpdate -> "session.dof_update"
        is EventKind.CommandAck -> "session.command_ack"
        is EventKind.Ended -> "session.ended"
        is EventKind.Unknown -> k.eventType
    }
