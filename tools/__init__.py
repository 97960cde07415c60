"""The course's command-line tools, run from the repository root as ``python -m tools.<name>``.

- :mod:`tools.book`: the pages of ``_toc.yml`` (one walker for every tool and test);
- :mod:`tools.run_notebooks`: re-execute the notebooks (``make full``);
- :mod:`tools.site_view` (the page's HTML split into prose and code, rendering defects),
  :mod:`tools.site_checks` (pure rules) and :mod:`tools.check_site` (the browser): ``make site``;
- :mod:`tools.release`: pin the rnnlib release the notebooks install (``make release``);
- :mod:`tools.bench_threads`: torch threads in the one-example-at-a-time loops, measured;
- :mod:`tools.otter_common`, :mod:`tools.assignments` and :mod:`tools.grade`: the exercises
  (``make assignments``, ``make grade``), run in the grading environment ``.venv-grade``.

Functions raise ordinary exceptions; only each module's ``main()`` turns them into exit codes.
"""
