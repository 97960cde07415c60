"""The course's command-line tools, run from the repository root as ``python -m tools.<name>``
(most through a ``make`` target), and the modules they share.

The book and its site:

- :mod:`tools.book`: the pages of ``_toc.yml`` (one walker for every tool and test);
- :mod:`tools.run_notebooks`: re-execute the notebooks and save their outputs (``make full``);
- :mod:`tools.check_site`: open every page of the built site in headless Chromium (``make
  site``), with :mod:`tools.site_page` (one page, wide and on a phone), :mod:`tools.site_server`
  (the static server), :mod:`tools.site_view` (a page's HTML split into prose and code, rendering
  defects), :mod:`tools.site_checks` and :mod:`tools.site_layout` (the rules, pure functions;
  ``tools/site_allow.yml`` lists the layout exceptions) and :mod:`tools.site_js` (the JavaScript
  run in each page);
- :mod:`tools.draw_diagrams`: redraw ``chapters/figures/*.svg``, or check them (``make diagrams``);
- :mod:`tools.release`: pin the rnnlib release the notebooks install (``make release``).
- :mod:`tools.colab_check`: run every notebook as on Google Colab, on this machine (``make
  colab-check``), with :mod:`tools.colab_packages` (Colab's package list, pip snapshots compared),
  :mod:`tools.colab_env` (the environment with Colab's packages and a stand-in ``google.colab``),
  :mod:`tools.colab_repo` (the repository served at the pinned release), :mod:`tools.colab_data`
  (the datasets' public archives rebuilt from the mirror), :mod:`tools.colab_servers` (the
  intercepting proxy and the git server), :mod:`tools.colab_notebooks` (what runs, and how) and
  :mod:`tools.colab_report` (each notebook's verdict and the summary).

The exercises, run in the grading environment ``.venv-grade``:

- :mod:`tools.assignments`: student and autograder versions of each chapter's exercises
  (``make assignments``);
- :mod:`tools.grade`: grade a folder of submissions (``make grade``), with
  :mod:`tools.review` (the scan that flags code for an instructor to read);
- :mod:`tools.otter_common`: what both share (the ``otter`` command, one graded run);
  :mod:`tools.sandbox`: each graded run inside bubblewrap.

Measurements (no test asserts a speed):

- :mod:`tools.bench_gru`: chapter 5's GRU training throughput against a roofline (``make bench``);
- :mod:`tools.bench_threads`: torch threads in the one-example-at-a-time loops.

Functions raise ordinary exceptions; only each module's ``main()`` turns them into an exit
status, the same for every tool:

- :data:`EXIT_OK` (0): done; every check passed;
- :data:`EXIT_FAILED` (1): the tool ran and what it checked or built failed: a page, a
  notebook, a diagram, an assignment's build, or writing the results;
- :data:`EXIT_CANNOT_RUN` (2): the tool could not start as asked, and nothing was checked or
  written: bad arguments (argparse's own status for them), or a missing input, program or
  precondition (no such file, no built assignment, no ``bwrap``, no browser, no data, a
  release from uncommitted changes).
"""

#: Done; every check passed.
EXIT_OK = 0
#: The tool ran, and what it checked or built failed.
EXIT_FAILED = 1
#: The tool could not start as asked (bad arguments or a missing input); argparse's status too.
EXIT_CANNOT_RUN = 2
