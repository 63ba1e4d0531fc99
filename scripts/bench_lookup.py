"""Prompt-lookup decoding against plain greedy decoding on a run's own explain requests: generated tokens per
second, decode steps, draft tokens accepted per step, and whether the text is the same. Reads the prompts of an
earlier run's clips (their prompt.txt), so no clue extraction runs. A draft is capped by what the build verifies
exactly (`LlamaSession.exact_batch`).

    python scripts/bench_lookup.py OUT_FOLDER_OF_A_RUN [--lookups 2,6] [--model qwen2.5-1.5b]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emer.pipeline.reasoning.reasoner import LLMConfig, Reasoner


def prompt_sections(text: str) -> dict[str, str]:
    """The [system], [user], [decision] and [explain] parts of a clip's prompt.txt."""
    sections: dict[str, list[str]] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]") and line[1:-1].isalpha():
            name = line[1:-1]
            sections[name] = []
        elif name:
            sections[name].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--lookups", default="2,6", help="draft sizes to compare with plain decoding")
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--max-tokens", type=int, default=150)
    args = parser.parse_args()
    reasoner = Reasoner(LLMConfig(model=args.model))
    s = reasoner.session()
    prompts = []
    for folder in sorted(p for p in args.run.iterdir() if (p / "prompt.txt").is_file()):
        sections = prompt_sections((folder / "prompt.txt").read_text(encoding="utf-8"))
        messages = [{"role": "system", "content": sections["system"]}, {"role": "user", "content": sections["user"]},
                    {"role": "user", "content": sections["explain"]}]
        prompts.append((folder.name, s.tokens(messages)))
    variants = [("plain", 0)] + [(f"lookup {n} (exact batch {s.exact_batch})", int(n))
                                 for n in args.lookups.split(",")]
    reference: dict[str, str] = {}
    print("| decoding | generated | decode steps | accepted per step | s | generated tok/s | same text |")
    print("|---|---|---|---|---|---|---|")
    for name, lookup in variants:
        total = {"generated_tokens": 0, "steps": 0, "accepted_tokens": 0}
        seconds, same = 0.0, 0
        for clip, tokens in prompts:
            s.llm.reset()
            s.begin_clip()
            s.begin("explanation")
            text, _, _ = s.generate(tokens, args.max_tokens, 1.1, lookup=lookup)
            p = s.end()
            seconds += p.seconds
            for k in total:
                total[k] += getattr(p, k)
            reference.setdefault(clip, text)
            same += reference[clip] == text
        print(f"| {name} | {total['generated_tokens']} | {total['steps']} | "
              f"{total['accepted_tokens'] / max(1, total['steps']):.2f} | {seconds:.1f} | "
              f"{total['generated_tokens'] / seconds:.2f} | {same}/{len(prompts)} |", flush=True)


if __name__ == "__main__":
    main()
