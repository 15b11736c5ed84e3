-- Grain state (Orleans.Persistence.AdoNet). Version is the ETag: a write names the version it read (null for a
-- grain with no state yet) and succeeds only if that is still the stored version.

CREATE TABLE OrleansStorage
(
    grainidhash            integer                     NOT NULL,
    grainidn0              bigint                      NOT NULL,
    grainidn1              bigint                      NOT NULL,
    graintypehash          integer                     NOT NULL,
    graintypestring        varchar(512)                NOT NULL,
    grainidextensionstring varchar(512),
    serviceid              varchar(150)                NOT NULL,
    payloadbinary          bytea,
    modifiedon             timestamp without time zone NOT NULL,
    version                integer
);

-- One row per grain: also what makes two first writes of the same grain race safely.
CREATE UNIQUE INDEX ux_orleansstorage_grain ON OrleansStorage
    (grainidhash, graintypehash, grainidn0, grainidn1, graintypestring, (coalesce(grainidextensionstring, '')), serviceid);

-- Returns the new version, or the expected one unchanged when the write lost (Orleans reports the conflict).
CREATE FUNCTION orleans_storage_write(
    id_hash integer, id_n0 bigint, id_n1 bigint, type_hash integer, type_name text, id_extension text,
    service text, expected_version integer, payload bytea)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql AS $body$
BEGIN
    IF expected_version IS NULL THEN
        INSERT INTO OrleansStorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                    grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
        VALUES (id_hash, id_n0, id_n1, type_hash, type_name, id_extension, service, payload, now() AT TIME ZONE 'utc', 1)
        ON CONFLICT (grainidhash, graintypehash, grainidn0, grainidn1, graintypestring, (coalesce(grainidextensionstring, '')), serviceid)
        DO NOTHING;
        RETURN QUERY SELECT CASE WHEN FOUND THEN 1 END;
        RETURN;
    END IF;

    UPDATE OrleansStorage
    SET payloadbinary = payload, modifiedon = now() AT TIME ZONE 'utc', version = version + 1
    WHERE grainidhash = id_hash AND graintypehash = type_hash AND grainidn0 = id_n0 AND grainidn1 = id_n1
      AND graintypestring = type_name AND grainidextensionstring IS NOT DISTINCT FROM id_extension
      AND serviceid = service AND version = expected_version;
    RETURN QUERY SELECT CASE WHEN FOUND THEN expected_version + 1 ELSE expected_version END;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    SELECT NewGrainStateVersion FROM orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary);'),

('ReadFromStorageKey', '
    SELECT payloadbinary AS PayloadBinary, now() AT TIME ZONE ''utc'' AS ReadOn, version AS Version
    FROM OrleansStorage
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND grainidn0 = @GrainIdN0
      AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString AND serviceid = @ServiceId;'),

('ClearStorageKey', '
    UPDATE OrleansStorage SET payloadbinary = NULL, version = version + 1
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND grainidn0 = @GrainIdN0
      AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString AND serviceid = @ServiceId
      AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;'),

('DeleteStorageKey', '
    DELETE FROM OrleansStorage
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND grainidn0 = @GrainIdN0
      AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString AND serviceid = @ServiceId
      AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion;');
