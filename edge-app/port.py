#!/usr/bin/env python3
"""Mechanical first pass of porting an edge-worker module into edge-app (the rest by hand).
Usage: python3 edge-app/port.py edge-worker/src/X.rs edge-app/src/Y.rs"""
import re, sys
src, dst = sys.argv[1], sys.argv[2]
s = open(src).read()
R = [
    ("mut req: Request,", "req: &Incoming,"),
    ("req: &Request", "req: &Incoming"),
    ("env: &Env", "p: &impl Platform"),
    ("db: &D1Database", "p: &impl Platform"),
    ("let db = env.d1(DB)?;\n", ""),
    ("env.d1(DB)?", "p"),
    ("env\n        .d1(DB)?\n        ", "p\n        "),
    ("Result<Response, AppError>", "Result<Reply, AppError>"),
    ("Response::from_json(", "Reply::json("),
    ("console_log!(", "crate::info!(p, "),
    ("console_warn!(", "crate::warn!(p, "),
    ("console_error!(", "crate::error!(p, "),
    ("read_json(&mut req, ", "read_json(p, "),
    ("body_bytes(&mut req, ", "p.body("),
    ("now_ms()", "p.now_ms()"),
    ("(&req, env, cfg", "(&req, p, cfg"),
    ("(req, env, cfg", "(req, p, cfg"),
    ("(env, cfg, &req", "(p, cfg, &req"),
    ("(env, cfg, req", "(p, cfg, req"),
    ("(env, cfg", "(p, cfg"),
    ("(env, &", "(p, &"),
    ("(&db, ", "(p, "),
    ("(&db)", "(p)"),
    ("(\n            &db,\n", "(\n            p,\n"),
    ("(\n        &db,\n", "(\n        p,\n"),
    ("db.one(", "p.one("), ("db.rows(", "p.rows("), ("db.run(", "p.run("), ("db.atomically(", "p.atomically("),
    ("db\n        .one(", "p\n        .one("), ("db\n        .run(", "p\n        .run("), ("db\n        .rows(", "p\n        .rows("),
    ("req.path()", "req.path.clone()"),
]
for a, b in R:
    s = s.replace(a, b)
s = re.sub(r"^(\s*)&(p|db),$", r"\1p,", s, flags=re.M)
s = s.replace("(&req,", "(req,").replace("(&req)", "(req)")
s = re.sub(r"random::<([^>]+)>\(\)\?", r"random::<\1>(p)?", s)
s = re.sub(r'req\s*\.headers\(\)\s*\.get\(([^)]*)\)\?', r'req.header(\1)', s)
open(dst, "w").write(s)
