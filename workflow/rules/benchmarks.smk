# Simulator benchmarks (issue 5): timing and memory of the quantum RNN's state-vector
# engine against TorchQuantum and PennyLane, the memory bandwidth floor, memory vs
# sequence length, training-step time against the classical controller and no-grad
# evaluation time (fused against per-step kernel calls), the noisy-evaluation core's
# time (C kernels against the PyTorch path), plus their
# figure. Not part of `rule all`; run on their own with
#   snakemake --workflow-profile workflow/profiles/local benchmarks
# Each rule takes the whole machine (threads: all cores), so their timings do not
# compete with each other. About fifteen minutes on 2 cores (PennyLane at n = 14 is most of
# it); larger runs: call the scripts in benchmarks/ directly (see their --help; on a
# machine shared with other jobs, --threads 1 --cpu-time times with the CPU clock of the
# one working thread).


rule benchmarks:
    input:
        "results/benchmarks/simulators.csv",
        "results/benchmarks/bandwidth_floor.csv",
        "results/benchmarks/memory_vs_sequence_length.csv",
        "results/benchmarks/training_step.csv",
        "results/benchmarks/evaluation_step.csv",
        "results/benchmarks/noisy_evaluation.csv",
        "results/benchmarks/benchmarks.png",
        "results/benchmarks/benchmarks.pdf",


rule benchmark_simulators:
    output:
        "results/benchmarks/simulators.csv",
    log:
        "results/logs/benchmarks/simulators.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    shell:
        "python benchmarks/simulators.py --qubits 4 6 8 10 12 14 --repeats 3 --csv {output} > {log} 2>&1"


rule benchmark_bandwidth_floor:
    output:
        "results/benchmarks/bandwidth_floor.csv",
    log:
        "results/logs/benchmarks/bandwidth_floor.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    shell:
        "python benchmarks/bandwidth_floor.py --qubits 10 12 14 16 --threads 1 --repeats 20 --csv {output} > {log} 2>&1"


rule benchmark_memory_vs_sequence_length:
    output:
        "results/benchmarks/memory_vs_sequence_length.csv",
    log:
        "results/logs/benchmarks/memory_vs_sequence_length.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    shell:
        "python benchmarks/memory_vs_sequence_length.py --steps 10 100 784 --qubits 10 --batch 32"
        " --csv {output} > {log} 2>&1"


rule benchmark_training_step:
    output:
        "results/benchmarks/training_step.csv",
    log:
        "results/logs/benchmarks/training_step.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    # One thread and its CPU clock, as the acceptance figures of issue 20; the full set
    # (n up to 14 at T = 784) takes about 15 minutes more: run the script directly for it.
    shell:
        "python benchmarks/training_step.py --qubits 4 6 8 10 --steps 30 784 --long-qubits 6 --batch 64"
        " --threads 1 --cpu-time --breakdown --csv {output} > {log} 2>&1"


rule benchmark_evaluation_step:
    output:
        "results/benchmarks/evaluation_step.csv",
    log:
        "results/logs/benchmarks/evaluation_step.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    # One thread and its CPU clock, as training_step; about a minute (n = 10, T = 784 most of it).
    shell:
        "python benchmarks/evaluation_step.py --qubits 4 6 8 10 --steps 30 --batch 64 --long 10 784 32"
        " --threads 1 --cpu-time --csv {output} > {log} 2>&1"


rule benchmark_noisy_evaluation:
    output:
        "results/benchmarks/noisy_evaluation.csv",
    log:
        "results/logs/benchmarks/noisy_evaluation.log",
    threads: 1024  # all cores: Snakemake scales a rule's threads down to --cores
    conda:
        CONDA_ENVIRONMENT
    # One thread and its CPU clock, as evaluation_step; the noisy core on the C kernels
    # against its PyTorch path, one condition of each noise sweep per row.
    shell:
        "python benchmarks/noisy_evaluation.py --qubits 4 6 8 --steps 30 --batch 100"
        " --threads 1 --cpu-time --csv {output} > {log} 2>&1"


rule benchmark_figure:
    input:
        simulators="results/benchmarks/simulators.csv",
        memory="results/benchmarks/memory_vs_sequence_length.csv",
        bandwidth="results/benchmarks/bandwidth_floor.csv",
    output:
        png="results/benchmarks/benchmarks.png",
        pdf="results/benchmarks/benchmarks.pdf",
    log:
        "results/logs/benchmarks/figure.log",
    conda:
        CONDA_ENVIRONMENT
    shell:
        "python benchmarks/plot.py --simulators {input.simulators} --memory {input.memory}"
        " --bandwidth {input.bandwidth} --out results/benchmarks/benchmarks > {log} 2>&1"
