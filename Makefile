test:
	bash .ci/test

demo:
	bash .ci/demo

.PHONY: test demo
