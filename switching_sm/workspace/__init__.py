"""The agent workspace inside the console site: the home with live queue counts, and one
workspace page per working record (incident, service request, change notification,
problem) with its header, timeline and the moves its lifecycle allows now.

It sits in the project layer because one page draws on several apps (an incident's
workspace shows its problems and known errors from knowledge, the messages sent from
the notifications outbox). Views here parse a small form, check the policy, call one
service and say what changed; they never write themselves.
"""
