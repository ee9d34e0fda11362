# Significance tables, the verdict and provenance per task; the ablation table and figure;
# hidden-state dynamics, gradient norms and compute cost. Each rule calls one `qrnn`
# sub-command; the input functions live in analysis_inputs.smk.

rule main_table:
    input:
        evaluations=lambda wildcards: [f"{folder}/evaluation.json" for folder in main_runs(wildcards.task)],
        metrics=lambda wildcards: [f"{folder}/metrics.json" for folder in main_runs(wildcards.task)],
        run_configs=lambda wildcards: [f"{folder}/config.json" for folder in main_runs(wildcards.task)],
        tuning=lambda wildcards: [choice_path(task, model) for task, model in TUNED_PAIRS if task == wildcards.task],
    output:
        csv="results/tables/{task}_main.csv",
        md=report(
            "results/tables/{task}_main.md",
            caption="../report/main_table.rst",
            category="Results",
            labels={"task": "{task}", "content": "main table with significance"},
        ),
        tex="results/tables/{task}_main.tex",
        provenance="results/tables/{task}_main.provenance.json",
        verdict=report(
            "results/tables/{task}_verdict.md",
            caption="../report/verdict.rst",
            category="Results",
            labels={"task": "{task}", "content": "verdict"},
        ),
    params:
        runs=lambda wildcards: main_runs(wildcards.task),
        prefix=lambda wildcards, output: output.csv.removesuffix(".csv"),
        tuning=lambda wildcards, input: f"--tuning {' '.join(input.tuning)}" if input.tuning else "",
    log:
        "results/logs/main_table/{task}.log",
    benchmark:
        "results/benchmarks/main_table/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn tables main --task {wildcards.task} --runs {params.runs} --out-prefix {params.prefix}"
        " --out-verdict {output.verdict} {params.tuning} > {log} 2>&1"


rule ablation_table:
    input:
        evaluations=[f"{folder}/evaluation.json" for folder in quantum_variant_runs()],
        metrics=[f"{folder}/metrics.json" for folder in quantum_variant_runs()],
    output:
        csv="results/tables/ablations.csv",
        md=report(
            "results/tables/ablations.md",
            caption="../report/ablation_table.rst",
            category="Ablations",
            labels={"content": "ablation table"},
        ),
        tex="results/tables/ablations.tex",
        provenance="results/tables/ablations.provenance.json",
    params:
        runs=quantum_variant_runs(),
    log:
        "results/logs/ablation_table/ablations.log",
    benchmark:
        "results/benchmarks/ablation_table/ablations.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn tables ablations --runs {params.runs} --out-prefix results/tables/ablations > {log} 2>&1"


rule hidden_state_dynamics:
    input:
        metrics=lambda wildcards: f"{first_quantum_run(wildcards.task)}/metrics.json",
        manifest=data_manifest,
    output:
        "results/analysis/{task}/hidden_state.csv",
    params:
        run=lambda wildcards: first_quantum_run(wildcards.task),
        data=lambda wildcards, input: Path(input.manifest).parent,
        sequences=ANALYSIS["hidden_state_sequences"],
    log:
        "results/logs/hidden_state_dynamics/{task}.log",
    benchmark:
        "results/benchmarks/hidden_state_dynamics/{task}.tsv"
    threads: 1
    resources:
        mem_mb=EVALUATE["mem_mb"],
        runtime=EVALUATE["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn analyse hidden-state --run {params.run} --data {params.data} --out {output}"
        " --sequences {params.sequences} > {log} 2>&1"


rule gradient_norms:
    input:
        metrics=lambda wildcards: [f"{folder}/metrics.json" for folder in main_runs(wildcards.task)],
        manifest=data_manifest,
    output:
        "results/analysis/{task}/gradient_norms.csv",
    params:
        runs=lambda wildcards: main_runs(wildcards.task),
        data=lambda wildcards, input: Path(input.manifest).parent,
        sequences=ANALYSIS["gradient_norm_sequences"],
    log:
        "results/logs/gradient_norms/{task}.log",
    benchmark:
        "results/benchmarks/gradient_norms/{task}.tsv"
    threads: EVALUATE["cpus"]
    resources:
        mem_mb=EVALUATE["mem_mb"],
        runtime=EVALUATE["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn analyse gradient-norms --runs {params.runs} --data {params.data} --out {output}"
        " --sequences {params.sequences} --threads {threads} > {log} 2>&1"


# Timing: redone only when the qubit counts or the settings of the task or the two models change.
rule compute_cost:
    output:
        "results/analysis/compute_cost.csv",
    params:
        settings=compute_cost_settings,
        qubits=" ".join(map(str, ANALYSIS["compute_cost_qubits"])),
        task=STUDY["study"]["tasks"][0],
    log:
        "results/logs/compute_cost/compute_cost.log",
    benchmark:
        "results/benchmarks/compute_cost/compute_cost.tsv"
    threads: 1
    resources:
        mem_mb=TRAIN["mem_mb"],
        runtime=TRAIN["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn analyse compute-cost --config - --task {params.task}"
        " --qubits {params.qubits} --out {output} --quiet > {log} 2>&1"


FIGURE_RULES = {
    # rule name: (figure sub-command, input CSV, output stem, caption, category)
    "ablation_figure": ("ablations", "results/tables/ablations.csv", "results/figures/ablations", "ablation_figure.rst", "Ablations"),
    "bloch_vectors_figure": ("bloch-vectors", "results/analysis/{task}/hidden_state.csv", "results/figures/{task}_bloch_vectors", "bloch_vectors.rst", "Hidden-state dynamics"),
    "readouts_figure": ("readouts", "results/analysis/{task}/hidden_state.csv", "results/figures/{task}_readouts", "readouts.rst", "Hidden-state dynamics"),
    "gradient_norms_figure": ("gradient-norms", "results/analysis/{task}/gradient_norms.csv", "results/figures/{task}_gradient_norms", "gradient_norms.rst", "Gradients"),
    "compute_cost_figure": ("compute-cost", "results/analysis/compute_cost.csv", "results/figures/compute_cost", "compute_cost.rst", "Compute cost"),
}

for name, (command, table, stem, caption, category) in FIGURE_RULES.items():

    rule:
        name:
            name
        input:
            table,
        output:
            png=report(f"{stem}.png", caption=f"../report/{caption}", category=category),
            pdf=f"{stem}.pdf",
        log:
            f"results/logs/{name}/{Path(stem).name}.log",
        threads: 1
        resources:
            **SMALL_JOB_RESOURCES,
        conda:
            CONDA_ENVIRONMENT
        params:
            command=command,
        shell:
            "qrnn figures {params.command} --input {input} --out-png {output.png} --out-pdf {output.pdf} > {log} 2>&1"


# The decoder's attention over the source words, for one run of each model (attention_run).
rule attention_figure:
    input:
        lambda wildcards: f"{attention_run(wildcards.model)}/attention.csv",
    output:
        png=report(
            "results/figures/translation_attention_{model}.png",
            caption="../report/attention.rst",
            category="Translation",
            labels={"model": "{model}", "content": "attention heatmaps"},
        ),
        pdf="results/figures/translation_attention_{model}.pdf",
    params:
        title=attention_title,
    log:
        "results/logs/attention_figure/{model}.log",
    benchmark:
        "results/benchmarks/attention_figure/{model}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn figures attention --attention {input} --out-png {output.png} --out-pdf {output.pdf}"
        " --title {params.title:q} > {log} 2>&1"
