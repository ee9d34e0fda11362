"""The quantum RNN's recurrence is reached through QuantumRNN.unroll and its public step
pieces (circuit_angles, advance, measure): no module outside qrnn/models reads the model's
private members or patches its methods (a source scan, in the style of tests/test_layout.py)."""

from __future__ import annotations

import ast
import inspect

from qrnn.models.qrnn import QuantumRNN
from tests.import_graph import library_modules

PRIVATE_MODEL_MEMBERS = {"_step", "_readout", "_variational_angles"}


def model_tampering(source: str, method_names: set[str]) -> list[int]:
    """The lines of ``source`` that read a model's private member, or assign or delete (also
    through setattr/delattr) an attribute named like one of the model's methods on another
    object: monkey-patching. An object setting its own attribute (self.x = ...) is not."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_MODEL_MEMBERS:
            found.add(node.lineno)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) and node.attr in method_names:
            if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                found.add(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in method_names | PRIVATE_MODEL_MEMBERS:
                found.add(node.lineno)
    return sorted(found)


def model_method_names() -> set[str]:
    """Every name a QuantumRNN answers with a routine (its own and nn.Module's), and its step and readout functions."""
    return {name for name, value in inspect.getmembers(QuantumRNN) if inspect.isroutine(value)} | PRIVATE_MODEL_MEMBERS


def test_nothing_outside_the_models_touches_a_models_private_members_or_patches_its_methods():
    names = model_method_names()
    assert {"unroll", "advance", "measure", "circuit_angles", "forward"} <= names
    found = {}
    for module, path in library_modules().items():
        lines = [] if module.startswith("qrnn.models") else model_tampering(path.read_text(), names)
        if lines:
            found[module] = lines
    assert found == {}


def test_the_scan_sees_private_access_and_patching():
    """The check above would pass on any source if the scan found nothing at all."""
    source = (
        "state = core._step(state, None, None)\n"
        "angles = core._variational_angles(output)\n"
        "core.advance = recording\n"
        "model.core.forward, other = wrapped, 1\n"
        "setattr(core, 'measure', recording)\n"
        "del core.unroll\n"
        "self.advance = 1\n"  # an object's own attribute: allowed
        "state.count += 1\n"  # not a method name: allowed
        "outputs, final = core.unroll(inputs, advance=core.advance)\n"  # the public recurrence: allowed
    )
    assert model_tampering(source, model_method_names()) == [1, 2, 3, 4, 5, 6]
