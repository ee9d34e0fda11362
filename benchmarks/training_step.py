"""CPU time of one full training step (forward, backward, Adam step) per model, and where a quantum step's time goes.

Models, all on the copying-task shape (vocab 10, per-step outputs, the config schema's
default settings): the quantum RNN with gradient reversible and autograd, the classical
bottleneck (the same controller looped over T with a tanh state instead of the circuit),
and the LSTM and scoRNN resized to the quantum RNN's parameter count. For each n and T
the table gives milliseconds per step (median of --repeats after one warm-up step) and
the ratio to the bottleneck at the same n and T. The breakdown (--breakdown) splits a
reversible quantum step into the controller (forward and backward over T steps, under
autograd), the circuit's forward with its readouts (one kernel call per step), the
kernels' backward (the readouts' and the step's backward in one call per step, from the
kept phases, as a sequence whose states fit the stored-state budget runs it), both called
as the sequence calls them (bound once, bound_step.BoundStep), and the rest: Python, the
written-out controller backward, the embedding, head, loss and the optimizer.

Cost: the Snakemake rule's set (n = 4..10 at T = 30, n = 6 at T = 784) takes a few
minutes; n = 4..14 at T = 30 plus n = 10 at T = 784 took 5 minutes on one thread. The
full default set (every n at T = 784 too, --breakdown, 3 repeats) took 15 minutes at
commit de2951a, most of it n = 12 and 14 at T = 784 (2.6 and 11 s per reversible step);
autograd is skipped where its stored states (about 4 x T x B x 2**n complex64) would
exceed --max-gib.

    python benchmarks/training_step.py --threads 1 --cpu-time [--qubits 4 6 8] [--steps 30 784] [--batch 64]
        [--models reversible autograd bottleneck lstm scornn] [--long-qubits 6 10] [--breakdown] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_device_option, resolve_device, timed, write_csv  # noqa: E402

from qrnn.config import model_config, validate  # noqa: E402
from qrnn.models.factory import build_model, matched_baseline_settings, parameter_counts  # noqa: E402
from qrnn.quantum.circuit import EngineStep  # noqa: E402
from qrnn.quantum.statevector import zero_state  # noqa: E402

VOCAB = 10
MODELS = ("reversible", "autograd", "bottleneck", "lstm", "scornn")


def quantum_settings(n_qubits: int, **changes):
    defaults = validate({})["models"]["qrnn"]
    return replace(model_config("qrnn", defaults), n_qubits=n_qubits, **changes)


def make_model(name: str, n_qubits: int, device: torch.device) -> torch.nn.Module:
    """The model ``name`` at n qubits (the baselines at the reversible quantum RNN's parameter count)."""
    torch.manual_seed(0)
    quantum = quantum_settings(n_qubits, gradient="reversible")
    if name in ("reversible", "autograd", "bottleneck"):
        core = {"reversible": {}, "autograd": {"gradient": "autograd"}, "bottleneck": {"core": "classical_bottleneck"}}[name]
        return build_model("qrnn", replace(quantum, **core), VOCAB, VOCAB, per_step=True).to(device)
    target = parameter_counts(build_model("qrnn", quantum, VOCAB, VOCAB, per_step=True))["total"]
    settings = matched_baseline_settings(name, model_config(name, validate({})["models"][name]), target, VOCAB, VOCAB, per_step=True)
    return build_model(name, settings, VOCAB, VOCAB, per_step=True).to(device)


def training_step_seconds(model: torch.nn.Module, steps: int, batch: int, repeats: int, device: torch.device) -> float:
    """Median seconds of forward, cross-entropy backward and an Adam step, after one warm-up step."""
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(VOCAB, (batch, steps), generator=generator).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(tokens)
        torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), tokens.reshape(-1)).backward()
        optimizer.step()

    step()
    return statistics.median(timed(step, device) for _ in range(repeats))


def breakdown(n_qubits: int, steps: int, batch: int, repeats: int, device: torch.device) -> dict[str, float]:
    """Milliseconds of a reversible step's parts, each timed alone over T steps."""
    model = make_model("reversible", n_qubits, device)
    core = model.core
    generator = torch.Generator().manual_seed(1)
    width = next(core.controller.parameters()).shape[1]  # the first Linear's input width
    features = torch.randn(steps, batch, width, generator=generator).to(device)
    with torch.no_grad():
        angles = [core.circuit_angles(core.controller(features[t])) for t in range(steps)]
        state = core.advance(zero_state(batch, n_qubits, core.dtype, device), *angles[0])
    grad_state = torch.randn_like(state)
    grad_expectations = torch.randn(batch, 3, n_qubits, dtype=torch.float64, device=device)
    step = EngineStep(core.circuit)  # the model's own simulator, built alike

    def controller():
        outputs = [core.controller(features[t]) for t in range(steps)]
        torch.stack(outputs).square().sum().backward()

    # The kernel calls bound once, as the training step's sequence makes them (bound_step.BoundStep).
    bound = step.bind(state, None, *angles[0])
    phases = [bound.forward(state, None, *pair)[1] for pair in angles] if bound is not None else []

    def circuit_and_readouts():
        with torch.no_grad():
            for encoding, variational in angles:
                if bound is not None:
                    bound.forward(state, None, encoding, variational)
                else:
                    core.measure(step(state, encoding, variational))

    def kernels_backward():
        for kept in phases:
            bound.backward(state, grad_state, grad_expectations, kept)

    parts = {name: 1e3 * statistics.median(timed(function, device) for _ in range(repeats))
             for name, function in {"controller": controller, "circuit_and_readouts_forward": circuit_and_readouts,
                                    "kernels_backward": kernels_backward}.items()}
    parts["training_step"] = 1e3 * training_step_seconds(model, steps, batch, repeats, device)
    parts["python_autograd_optimizer"] = parts["training_step"] - sum(
        parts[name] for name in ("controller", "circuit_and_readouts_forward", "kernels_backward"))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8, 10, 12, 14], help="n at T = --steps[0]")
    parser.add_argument("--steps", type=int, nargs="+", default=[30, 784], help="sequence lengths T")
    parser.add_argument("--long-qubits", type=int, nargs="*", default=None,
                        help="n at the longer T (default: --qubits): the long runs at large n are the expensive ones")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--max-gib", type=float, default=8.0, help="skip autograd where its states would exceed this")
    parser.add_argument("--breakdown", action="store_true", help="also split a reversible quantum step into its parts")
    parser.add_argument("--csv", type=Path, default=None, help="write the table here")
    add_device_option(parser)
    args = parser.parse_args()
    device = resolve_device(parser, args.device, args.threads, args.cpu_time)
    rows = []
    print(f"{'n':>3} {'T':>4} " + " ".join(f"{name:>18}" for name in args.models), flush=True)
    for steps in args.steps:
        qubits = args.qubits if steps == args.steps[0] or args.long_qubits is None else args.long_qubits
        for n_qubits in qubits:
            too_large = 4 * steps * args.batch * 2**n_qubits * 8 > args.max_gib * 2**30
            times = {name: float("nan") if name == "autograd" and too_large
                     else training_step_seconds(make_model(name, n_qubits, device), steps, args.batch, args.repeats, device)
                     for name in args.models}
            base = times.get("bottleneck")
            cells = []
            for name, seconds in times.items():
                ratio = seconds / base if base else float("nan")
                rows.append({"model": name, "n_qubits": n_qubits, "steps": steps, "batch": args.batch,
                             "ms_per_step": round(1e3 * seconds, 3), "ratio_to_bottleneck": round(ratio, 3)})
                cells.append(f"{1e3 * seconds:9.1f} ms ({ratio:4.1f}x)")
            print(f"{n_qubits:>3} {steps:>4} " + " ".join(cells), flush=True)
            if args.breakdown:
                parts = breakdown(n_qubits, steps, args.batch, args.repeats, device)
                print("    reversible breakdown (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()), flush=True)
                rows += [{"model": f"reversible:{part}", "n_qubits": n_qubits, "steps": steps, "batch": args.batch,
                          "ms_per_step": round(value, 3), "ratio_to_bottleneck": ""} for part, value in parts.items()]
    if args.csv:
        write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
