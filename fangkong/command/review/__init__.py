"""The nightly review meeting (复盘会): what went wrong today in a node, who fixes it and how, and whether
yesterday's fixes held. collect finds the problems, services write the pack, selectors read it, jobs run it
for the city every night."""
