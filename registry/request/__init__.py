"""A unit turned into a provider call, so apps never translate one by hand: the request body
for each API (`build`), the Anthropic cache breakpoint (`prefix`), the structured output
checked (`output`), the retry policy of `routing` (`policy`); `unit.Calls` gives both kinds of
unit (the Python API's and the artifact's) the same methods. No SDK is imported, ever."""
