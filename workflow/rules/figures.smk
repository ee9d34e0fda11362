rule learning_curves:
    input:
        curves="results/tables/{task}_curves.csv",
    output:
        png=report(
            "results/figures/{task}_learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Results",
            labels={"task": "{task}", "content": "learning curves"},
        ),
        pdf="results/figures/{task}_learning_curves.pdf",
    params:
        reference=curve_reference_options,
    log:
        "results/logs/learning_curves/{task}.log",
    benchmark:
        "results/benchmarks/learning_curves/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn figures learning-curves --curves {input.curves} --out-png {output.png}"
        " --out-pdf {output.pdf} {params.reference} > {log} 2>&1"
