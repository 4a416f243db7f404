# The two commands of the README, and a few conveniences.
.PHONY: run demo test worker

run:       ## the app at http://localhost:3000 on its embedded defaults
	bash scripts/run.sh

demo:      ## the same with demo mode on: sample accounts and /dev/outbox
	LK_DEMO=1 bash scripts/run.sh

test:      ## every test: unit, then browser (TEST_ARGS go to pytest)
	bash scripts/test.sh $(TEST_ARGS)

worker:    ## a separate outbox dispatcher
	bash scripts/setup.sh && . scripts/env.sh && python -m lk_app worker
