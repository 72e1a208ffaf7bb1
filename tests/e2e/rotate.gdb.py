# gdb script for tests/e2e/test_reload.sh: the worst case of a logrotate.
#
#   gdb -batch -p PID -x rotate.gdb.py
#
# Stops nfqd when its event writer thread ("nfqd-writer") starts a nap
# (all its queues empty), then lets only the main thread run: it takes
# the SIGHUP that gdb sends and does the whole reload, until the reload
# event is on the main queue.  Then every thread runs again and gdb
# detaches.  The writer wakes to find both the logrotate's reopen and the
# reload event waiting: the reload event belongs in the new file.
#
# Prints "held: ..." when the sequence ran as described.
import gdb

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("handle SIGHUP nostop noprint pass")

pid = gdb.selected_inferior().pid
main = writer = None
for t in gdb.selected_inferior().threads():
    if t.ptid[1] == pid:
        main = t
    if t.name == "nfqd-writer":
        writer = t
if main is None or writer is None:
    raise gdb.GdbError("no main or nfqd-writer thread in %d" % pid)

# 1. The writer at its nap: past its queues, asleep.
gdb.execute("break clock_sleep_ms thread %d" % writer.num)
gdb.execute("continue")
gdb.execute("delete")

# 2. Only the main thread runs: the SIGHUP, the reload, the reload event
# pushed (the workers are stopped too, so the reload waits 5 s for them).
main.switch()
gdb.execute("set scheduler-locking on")
gdb.execute("break evq_push thread %d if ev->type == EV_RELOAD" % main.num)
gdb.execute("signal SIGHUP")
gdb.execute("delete")
gdb.execute("finish")
print("held: the reload event was queued while the writer slept")

# 3. Everyone runs.
gdb.execute("set scheduler-locking off")
gdb.execute("detach")
