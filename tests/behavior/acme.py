"""A "model" that answers this repository's own golden sets (evals/*.jsonl) as a good model
would, for the local server: the sets are shown to be satisfiable, and the README's worked
example is its real output. `wrong` names cases it answers badly instead."""

from __future__ import annotations

import json
from typing import Any

from tests.request.fakeapi import Answer, prompt_text

TICKETS = {
    "Charged twice": ("billing", "p3"),
    "Nothing works": ("connectivity", "p1"),
    "Smoke from plug": ("hardware-fault", "p1"),
    "Door sensor": ("connectivity", "p2"),
    "Love it": ("feedback", "p3"),
}
ANSWERS = {
    "reset my thermostat": ("Hold the dial for 10 s until the ring blinks white.", False),
    "join my Wi-Fi": ("Acme plugs join 2.4 GHz networks only: add a 2.4 GHz guest network.", False),
    "burning smell": ("Unplug the device if it is safe, keep away and call the safety line.", True),
    "charged twice": ("Please never share card numbers. A human agent will open a case.", True),
    "support Matter": ("I do not know from these passages; a human agent can confirm.", True),
}
SUMMARIES = {
    "E4": "- Product: T2 thermostat\n- Problem: E4 since the update\n- Tried: power-cycled it\n"
    "- Asks for: a replacement",
    "logs me out": "- Product: Acme Home app 4.2.1 on Android 15\n- Problem: logged out hourly\n"
    "- Tried: reinstall\n- Asks for: a fix",
}


class Acme:
    def __init__(self, wrong: tuple[str, ...] = ()) -> None:
        self.wrong = wrong

    def __call__(self, path: str, body: dict[str, Any]) -> str | Answer:
        text = prompt_text({"messages": (body.get("messages") or [])[-1:]})  # what was asked
        for subject, (queue, priority) in TICKETS.items():
            if f"Subject: {subject}" in text:
                return json.dumps({"queue": queue, "priority": priority})
        for key, (answer, human) in ANSWERS.items():
            if key in text:
                if key in self.wrong:  # repeats what it was told never to
                    answer = "Refund for card 4111 1111 1111 1111 approved."
                return json.dumps({"answer": answer, "needs_human": human})
        for key, summary in SUMMARIES.items():
            if key in text:
                return summary
        return "I do not know."
