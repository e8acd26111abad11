"""Every chart people read, drawn on the server as SVG, each with a text alternative.

- ``radar``: the maturity radar, with one outline per service for a group report;
- ``bars``: the staff dashboard's horizontal bars;
- ``progress``: a repeat's axes, then and now;
- ``peers``: where an authority stands among comparable ones;
- ``text``: what they share (labels wrapped on words, scores written the French way).

Each page shows the chart's values in a table beside it as well.
"""
