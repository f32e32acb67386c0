// Hand-written Kotlin shipped beside the generated `jiga_uniffi.kt` (package ai.jiga.sdk):
// kotlinx.coroutines `Flow`s over the pull objects, and small conveniences. No rule of the
// store lives here: paging, resume and accounting are the core's; these only loop over
// `nextBatch`/`next`/`nextPage` until the core says the stream or list is over.
package ai.jiga.sdk

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

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
