# The resolved config of the study, shown in the HTML report next to the results it made,
# and the report's front page written from it (the Snakefile's `report:` reads that file).
rule describe_study:
    output:
        front_page=FRONT_PAGE,
        description=report(
            "results/report/study.yaml",
            caption="../report/study.rst",
            category="Settings",
            labels={"content": "resolved configuration"},
        ),
    params:
        settings=study_settings,
    log:
        "results/logs/describe_study/study.log",
    benchmark:
        "results/benchmarks/describe_study/study.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn describe-study --config - --out {output.description}"
        " --front-page {output.front_page} > {log} 2>&1"
