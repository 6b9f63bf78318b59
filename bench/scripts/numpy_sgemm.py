#!/usr/bin/env python3
"""numpy's SGEMM (matmul into a preallocated result) at 1 and 2 OpenBLAS threads: the peer for
bench/RESULTS.md. Run with the OPENBLAS_* variables of this machine unset in the command alone,
so numpy's current OpenBLAS picks its own kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/scripts/numpy_sgemm.py
"""
import numpy as np, time, sys, statistics as st
from threadpoolctl import threadpool_info, threadpool_limits
info=[i for i in threadpool_info() if i['internal_api']=='openblas']
print("openblas", info[0].get('version'), info[0].get('architecture'), "threads", info[0].get('num_threads'))
for th in (1,2):
  with threadpool_limits(th):
    for (m,k,n) in [(1024,1024,1024),(2048,2048,2048),(128,784,512)]:
      a=np.random.rand(m,k).astype(np.float32); b=np.random.rand(k,n).astype(np.float32); c=np.empty((m,n),np.float32)
      for _ in range(3): np.matmul(a,b,out=c)
      ts=[]
      for _ in range(15):
        t=time.perf_counter(); r=max(1,int(2e8/(m*n*k))); 
        for _ in range(r): np.matmul(a,b,out=c)
        ts.append((time.perf_counter()-t)/r)
      print(f"{m}x{k}x{n} thr {th}: {2*m*n*k/st.median(ts)/1e9:.1f} GFLOP/s")
