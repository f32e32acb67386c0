"""A bot that finds a coach for a game, hires it within a budget, answers its actions with
commands, and stops at a DOF cap with the budget guard.

    python examples/python/coach_bot.py http://127.0.0.1:3000 [game]

(Start a store with `cargo run -p jiga-server -- --seed-demo --db sqlite::memory:`.)
"""

from __future__ import annotations

import asyncio
import sys

import jiga


async def main(url: str, game: str) -> None:
    async with jiga.AsyncClient(url) as client:
        await client.login("demo@jiga.dev", "demo-player-1")
        page = await client.search(game=game, agent_type="coach", sort="rating", limit=5)
        if not page.items:
            page = await client.search(agent_type="coach", sort="rating", limit=5)
        coach = page.items[0]
        print(f"hiring {coach.name} ({coach.pricing.per_minute}/min, {coach.pricing.per_action}/action)")
        hire = await client.hire(agent_id=coach.id, game=coach.games[0], budget=300)
        # The guard warns at half the budget and, at 120 DOF, the core ends the session.
        events = client.session_events(
            hire.session.id, guard={"cap": 120, "warn_at": [0.5]}, end_at_cap=True
        )
        answered = 0
        async for event in events:
            if event.type == "agent.action" and answered < 3:
                answered += 1
                await events.command(f"ack-{answered}", {"focus": "center"})
            elif event.type == "session.dof_update":
                print(f"  -{event.delta} DOF, {event.consumed} spent, {event.remaining} left")
            for kind, fraction in event.guard_actions:
                print(f"  guard: {kind} {fraction or ''}")
            if event.cap_end is not None:
                print(f"  ended at the cap: {event.cap_end!r}")
        print("reconciled with the settlement:", events.reconciled())
        print("wallet:", await client.wallet())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000",
                     sys.argv[2] if len(sys.argv) > 2 else "chess"))
