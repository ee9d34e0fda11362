# Input functions of workflow/rules/noise.smk (noisy and hardware-backend evaluation, config
# sections `noise` and `hardware`, each switched on by its `enabled` key). The runs to
# evaluate are chosen by the library (qrnn.noise.settings.evaluated_runs); each job gets only
# its own section.

from qrnn.noise.settings import evaluated_runs, noise_tasks
from qrnn.study.runs import run_document

NOISE_RUNS = evaluated_runs(STUDY, "noise") if STUDY["noise"]["enabled"] else []
HARDWARE_RUNS = evaluated_runs(STUDY, "hardware") if STUDY["hardware"]["enabled"] else []
NOISE_TASK_NAMES = noise_tasks(STUDY, "noise")  # noise.tasks (null: every study task)
HARDWARE_TASK_NAMES = noise_tasks(STUDY, "hardware")  # hardware.tasks, also the rows of the resource table


def noise_files(kind, task, suffix):
    runs = NOISE_RUNS if kind == "noise" else HARDWARE_RUNS
    return [f"results/{kind}/{t}/{m}/{v}/{s}{suffix}" for t, m, v, s in runs if t == task]


def section_settings(section):
    """The section without its task list: adding a task must not redo the other tasks' jobs."""
    settings = {key: value for key, value in STUDY[section].items() if key != "tasks"}
    return lambda wildcards: json.dumps({section: settings}, sort_keys=True)


def resource_settings(wildcards):
    """The study's quantum-RNN settings of every task under hardware.variant, and the hardware section."""
    variant = STUDY["hardware"]["variant"]
    document = {"hardware": STUDY["hardware"]}
    for task in HARDWARE_TASK_NAMES:
        part = run_document(STUDY, task, "qrnn", variant)
        document = {**part, **document, "tasks": {**document.get("tasks", {}), **part["tasks"]}}
    return json.dumps(document, sort_keys=True)


def noise_outputs():
    outputs = []
    if NOISE_RUNS:
        outputs += expand("results/figures/{task}_noise_{kind}.{ext}", task=NOISE_TASK_NAMES, kind=["shots", "strength"], ext=["png", "pdf"])
    if HARDWARE_RUNS:
        outputs += expand("results/figures/{task}_hardware_readout_error.{ext}", task=HARDWARE_TASK_NAMES, ext=["png", "pdf"])
        outputs += expand("results/tables/hardware_resources.{ext}", ext=["csv", "md"])
    return outputs

