"""Nudges: owners are reminded, privately and at most daily, about contributions that wait too long.

`policy` decides who is nudged about what (pure), `facts` loads its inputs, `deliver` sends exactly once,
`jobs` runs it on the scheduler, `identity` maps forge logins to Slack users, `queries` answers the
App Home and `/innersource stale`.
"""
