"""Generate Shakespeare, fine-tune on a text of your own, and generate again.

Run:
    python examples/text_generation.py             # shakespeare-lstm, 3 epochs of fine-tuning
    python examples/text_generation.py --quick     # fewer steps, for the tests
    python examples/text_generation.py --model names-lstm --prompt Ma
"""
import argparse

import seqzoo

# A text of our own (written for this example): the model has never seen it.
OWN_TEXT = """\
The river keeps the secrets of the stones,
and every morning carries them away;
the heron counts the fish and never owns
the silver that it catches in the day.
The miller sings of water and of wheat,
the baker of the fire and the bread,
and all the lanes are quiet in the heat
until the evening bell rings overhead.
""" * 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="shakespeare-lstm")
    parser.add_argument("--prompt", default="To be")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    model = seqzoo.load(args.model)
    length = 40 if args.quick else 300
    print("== before fine-tuning ==")
    for temperature in (0.5, 1.0):
        print(f"[temperature {temperature}]",
              model.generate(args.prompt, max_length=length, temperature=temperature, seed=1))
    print("streamed: ", end="")
    for piece in model.stream(args.prompt, max_length=length, temperature=0.8, seed=2):
        print(piece, end="", flush=True)
    print()

    before = model.score(OWN_TEXT)
    model.fit([OWN_TEXT], epochs=1 if args.quick else 3, batch_size=8, verbose=0)
    after = model.score(OWN_TEXT)
    print(f"NLL on our text: {before:.3f} -> {after:.3f} nats/char after fine-tuning")
    print("== after fine-tuning ==")
    print(model.generate("The river", max_length=length, temperature=0.5, seed=1))


if __name__ == "__main__":
    main()
