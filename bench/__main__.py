"""Run every benchmark and print its figures."""

from bench.router_bench import main
from bench.wechat_bench import main as wechat_main

main()
wechat_main()
