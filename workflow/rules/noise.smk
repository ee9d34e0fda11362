# Noisy and hardware-backend evaluation of trained quantum-RNN runs; input functions and
# the list of evaluated runs are in noise_common.smk.


rule evaluate_noise:
    input:
        metrics="results/runs/{task}/qrnn/{variant}/{seed}/metrics.json",
        manifest="data/{task}/manifest.json",
    output:
        csv="results/noise/{task}/qrnn/{variant}/{seed}.csv",
        json="results/noise/{task}/qrnn/{variant}/{seed}.json",
    params:
        settings=section_settings("noise"),
        run=lambda wildcards, input: Path(input.metrics).parent,
        data=lambda wildcards, input: Path(input.manifest).parent,
    log:
        "results/logs/evaluate_noise/{task}/qrnn/{variant}/{seed}.log",
    benchmark:
        "results/benchmarks/evaluate_noise/{task}/qrnn/{variant}/{seed}.tsv"
    threads: EVALUATE["cpus"]
    resources:
        mem_mb=EVALUATE["mem_mb"],
        runtime=EVALUATE["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn evaluate-noise --config - --run {params.run} --data {params.data}"
        " --out-csv {output.csv} --out-json {output.json} --threads {threads} --quiet > {log} 2>&1"


rule evaluate_hardware:
    input:
        metrics="results/runs/{task}/qrnn/{variant}/{seed}/metrics.json",
        manifest="data/{task}/manifest.json",
    output:
        json="results/hardware/{task}/qrnn/{variant}/{seed}.json",
        steps="results/hardware/{task}/qrnn/{variant}/{seed}_steps.csv",
    params:
        settings=section_settings("hardware"),
        run=lambda wildcards, input: Path(input.metrics).parent,
        data=lambda wildcards, input: Path(input.manifest).parent,
    log:
        "results/logs/evaluate_hardware/{task}/qrnn/{variant}/{seed}.log",
    benchmark:
        "results/benchmarks/evaluate_hardware/{task}/qrnn/{variant}/{seed}.tsv"
    threads: EVALUATE["cpus"]
    resources:
        mem_mb=EVALUATE["mem_mb"],
        runtime=EVALUATE["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn evaluate-hardware --config - --run {params.run} --data {params.data}"
        " --out-json {output.json} --out-steps {output.steps} --threads {threads} --quiet > {log} 2>&1"


# One job per figure of a task's noise sweeps, each drawing from every evaluated run's sweep table.
NOISE_FIGURE_RULES = {
    # rule name: (figure sub-command, output stem, caption, what the report says it shows)
    "noise_shots_figure": ("noise-shots", "noise_shots", "noise_shots.rst", "metric vs shots"),
    "noise_strength_figure": ("noise-strength", "noise_strength", "noise_strength.rst", "metric vs noise strength"),
}

for name, (command, stem, caption, content) in NOISE_FIGURE_RULES.items():

    rule:
        name:
            name
        input:
            lambda wildcards: noise_files("noise", wildcards.task, ".csv"),
        output:
            png=report(
                f"results/figures/{{task}}_{stem}.png",
                caption=f"../report/{caption}",
                category="Noise and hardware",
                labels={"task": "{task}", "content": content},
            ),
            pdf=f"results/figures/{{task}}_{stem}.pdf",
        params:
            command=command,
        log:
            f"results/logs/{name}/{{task}}.log",
        benchmark:
            f"results/benchmarks/{name}/{{task}}.tsv"
        threads: 1
        resources:
            **SMALL_JOB_RESOURCES,
        conda:
            CONDA_ENVIRONMENT
        shell:
            "qrnn figures {params.command} --noise {input} --out-png {output.png} --out-pdf {output.pdf} > {log} 2>&1"


rule hardware_figure:
    input:
        lambda wildcards: noise_files("hardware", wildcards.task, "_steps.csv"),
    output:
        png=report(
            "results/figures/{task}_hardware_readout_error.png",
            caption="../report/noise_hardware.rst",
            category="Noise and hardware",
            labels={"task": "{task}", "content": "readout error vs step on a device model"},
        ),
        pdf="results/figures/{task}_hardware_readout_error.pdf",
    params:
        backend=STUDY["hardware"]["backend"],
    log:
        "results/logs/hardware_figure/{task}.log",
    benchmark:
        "results/benchmarks/hardware_figure/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn figures hardware-readout-error --steps {input} --backend {params.backend:q}"
        " --out-png {output.png} --out-pdf {output.pdf} > {log} 2>&1"


rule hardware_resources:
    input:
        manifests=expand("data/{task}/manifest.json", task=HARDWARE_TASK_NAMES),
    output:
        csv="results/tables/hardware_resources.csv",
        md=report(
            "results/tables/hardware_resources.md",
            caption="../report/noise_resources.rst",
            category="Noise and hardware",
            labels={"content": "QPU resources to evaluate the test sets"},
        ),
    params:
        settings=resource_settings,
        tasks=HARDWARE_TASK_NAMES,
        data=lambda wildcards, input: [Path(m).parent for m in input.manifests],
    log:
        "results/logs/hardware_resources/table.log",
    benchmark:
        "results/benchmarks/hardware_resources/table.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn hardware-resources --config - --tasks {params.tasks}"
        " --data {params.data} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"
