-- A price (fen) for every check the console runs, so a new deployment's spend report is
-- complete from the first day. Placeholders for the contract's figures: an admin changes them
-- with POST /api/console/prices (audited). Existing prices are kept.
INSERT OR IGNORE INTO check_prices (check_name, fen) VALUES
    ('picturematch', 30), ('faceregister', 10), ('faceretrieve', 30), ('defensehack', 30),
    ('licenseocr', 20), ('antilaunderquery', 50), ('getmoxietask', 0), ('getmoxieinput', 0),
    ('getmoxieverifycode', 0), ('getmoxiestatus', 0), ('getmoxiemobile', 10),
    ('getmoxieresettask', 0), ('getmoxieresetinput', 0), ('getmagicmirror', 100),
    ('getmoxiereport', 150), ('getmoxiedata', 150), ('getyyfinanceinfo', 80),
    ('antifraudquery', 80), ('getloaninfo', 100);
