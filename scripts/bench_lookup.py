"""Prompt-lookup decoding against plain greedy decoding on the six sample clips' own explain requests: generated
tokens per second, decode steps, draft tokens accepted, tokens decoded again for close calls, and whether the text
is the same. Reads the prompts of an earlier run's clips (their prompt.txt), so no clue extraction runs.

    python scripts/bench_lookup.py OUT_FOLDER_OF_A_RUN [--lookup 8] [--margins 0.5,0.25] [--model qwen2.5-1.5b]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emer.pipeline.reasoning import session as session_module
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
    parser.add_argument("--lookup", type=int, default=8)
    parser.add_argument("--margins", default="0.5,0.25")
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
    variants = [("plain", 0, 0.0)] + [(f"lookup {args.lookup}, margin {m}", args.lookup, float(m))
                                      for m in args.margins.split(",")]
    reference: dict[str, str] = {}
    print("| decoding | generated | decode steps | accepted | decoded again | s | generated tok/s | same text |")
    print("|---|---|---|---|---|---|---|---|")
    for name, lookup, margin in variants:
        session_module.LOOKUP_MARGIN = margin
        total = {"generated_tokens": 0, "steps": 0, "accepted_tokens": 0, "redecoded_tokens": 0}
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
        print(f"| {name} | {total['generated_tokens']} | {total['steps'] + total['redecoded_tokens']} | "
              f"{total['accepted_tokens']} | {total['redecoded_tokens']} | {seconds:.1f} | "
              f"{total['generated_tokens'] / seconds:.2f} | {same}/{len(prompts)} |", flush=True)


if __name__ == "__main__":
    main()
