"""Run every benchmark and print its figures."""

from bench.router_bench import main

main()
