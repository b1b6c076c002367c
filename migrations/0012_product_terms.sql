-- What a customer compares before anything else (issue 16): the carrier, the allowances, how
-- the first month is billed, how long the promotional price lasts, where the product does not
-- ship, and a short description. All default to "not said", so a product added before these
-- columns shows what it has. `excluded_provinces` lists region-table province names, comma
-- separated; the form refuses them at the region step (shared::product::Product::ships_to).
ALTER TABLE products ADD COLUMN carrier TEXT NOT NULL DEFAULT '';            -- mobile | unicom | telecom | broadnet
ALTER TABLE products ADD COLUMN general_gb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN targeted_gb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN call_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN first_month TEXT NOT NULL DEFAULT '';        -- free | daily | full
ALTER TABLE products ADD COLUMN promo_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN excluded_provinces TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN description_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN description_en TEXT NOT NULL DEFAULT '';

UPDATE products SET carrier = 'telecom', general_gb = 30, targeted_gb = 30, call_minutes = 0,
    first_month = 'daily', promo_months = 12,
    description_zh = '全国通用流量，适合上网为主、很少打电话的用户。',
    description_en = 'Nationwide data for people who mostly go online and rarely call.'
  WHERE pid = '2188';
UPDATE products SET carrier = 'unicom', general_gb = 40, targeted_gb = 30, call_minutes = 100,
    first_month = 'free', promo_months = 24, excluded_provinces = '新疆维吾尔自治区,西藏自治区',
    description_zh = '大流量加通话，需上传身份证正反面和本人半身照。新疆、西藏暂不发货。',
    description_en = 'Plenty of data and calls; needs both sides of your ID card and a photo of you. Does not ship to Xinjiang or Tibet yet.'
  WHERE pid = '2201';
