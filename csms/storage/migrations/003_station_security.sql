-- Station security profiles (OCPP 1.6 security whitepaper, 2.0.1 A00):
-- 0 = no credentials (development mode only), 1 = HTTP Basic over ws, 2 = TLS + Basic,
-- 3 = TLS with a client certificate whose subject CN is the station id.
ALTER TABLE stations
    ADD COLUMN security_profile smallint NOT NULL DEFAULT 0
        CHECK (security_profile BETWEEN 0 AND 3);
UPDATE stations SET security_profile = 1 WHERE password_hash IS NOT NULL;
ALTER TABLE stations
    ADD CONSTRAINT stations_password_for_basic_profiles
        CHECK (security_profile NOT IN (1, 2) OR password_hash IS NOT NULL);
