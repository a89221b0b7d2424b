test:
	bash .ci/test

demo:
	bash .ci/demo

# Not part of CI: `make test` N times beside a CPU burner (RUNS=10 by default).
stress:
	bash .ci/stress $(RUNS)

.PHONY: test demo stress
