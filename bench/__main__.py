"""Run every benchmark and print its figures."""

from bench.router_bench import main
from bench.telegram_bench import main as telegram_main
from bench.wechat_bench import main as wechat_main

main()
wechat_main([])
telegram_main([])
