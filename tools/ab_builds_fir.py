"""fir with out= on 64 x 100,000 (time last) and 100,000 x 64 (time first), 2 threads: two builds of
rnnlti side by side, each call timed in a process of its own, the builds alternating, medians.

    python tools/ab_builds_fir.py ROUNDS NEW_PYTHON_DIR OLD_PYTHON_DIR

A *_PYTHON_DIR holds an rnnlti package with its _core built (e.g. a `git worktree` of the old commit
after `tools/dev_build.sh` there, and this tree's python/)."""
import subprocess, sys, json, statistics
W = r'''
import sys, time, json, numpy as np
sys.path.insert(0, sys.argv[1]); import rnnlti
rnnlti.set_num_threads(2)
rng=np.random.default_rng(0); r={}
for layout in ("time-last (64, 100000) axis -1", "time-first (100000, 64) axis 0"):
  for dt in (np.float64, np.float32):
    x=rng.standard_normal((64,100000)).astype(dt); axis=-1
    if layout.startswith("time-first"): x=np.ascontiguousarray(x.T); axis=0
    out=np.empty_like(x)
    for K in (8,64,128):
      h=rng.standard_normal(K).astype(dt); rnnlti.fir(h,x,axis=axis,out=out); ts=[]
      for _ in range(7):
        t=time.perf_counter(); rnnlti.fir(h,x,axis=axis,out=out); ts.append((time.perf_counter()-t)*1e3)
      r[f"{layout} {np.dtype(dt).name} K={K} out="]=ts
    ts=[]
    for _ in range(7):
      t=time.perf_counter(); np.copyto(out,x); ts.append((time.perf_counter()-t)*1e3)
    r[f"{layout} {np.dtype(dt).name} np.copyto"]=ts
print(json.dumps(r))
'''
res={}
rounds, new_dir, old_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for _ in range(rounds):
    for name, path in (("new", new_dir), ("old", old_dir)):
        out=json.loads(subprocess.run([sys.executable,"-c",W,path],capture_output=True,text=True).stdout)
        for k,v in out.items(): res.setdefault(k,{}).setdefault(name,[]).extend(v)
for k,d in res.items():
    print(f"{k:<52}", " | ".join(f"{n} {statistics.median(v):7.3f} ms" for n,v in d.items()))
