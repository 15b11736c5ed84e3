-- Cluster membership (Orleans.Clustering.AdoNet). One version row per deployment guards every change to its
-- silos' rows: a writer passes the version it read, and the change applies only if that is still the version.

CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Locks the version row if it still holds the expected version; true when it does.
CREATE FUNCTION orleans_membership_claim_version(deployment text, expected integer) RETURNS boolean
LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM 1 FROM OrleansMembershipVersionTable
    WHERE DeploymentId = deployment AND Version = expected
    FOR UPDATE;
    RETURN FOUND;
END
$body$;

CREATE FUNCTION orleans_membership_bump_version(deployment text) RETURNS void
LANGUAGE sql AS $body$
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now() WHERE DeploymentId = deployment;
$body$;

-- 1 when the silo row was added and the version moved on; 0 (and no change) when the version was stale or the row existed.
CREATE FUNCTION orleans_membership_insert(
    deployment text, silo_address text, silo_port integer, silo_generation integer, silo_name text, host_name text,
    silo_status integer, proxy_port integer, start_time timestamptz, i_am_alive timestamptz, expected_version integer)
RETURNS integer
LANGUAGE plpgsql AS $body$
BEGIN
    IF NOT orleans_membership_claim_version(deployment, expected_version) THEN
        RETURN 0;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (deployment, silo_address, silo_port, silo_generation, silo_name, host_name, silo_status, proxy_port, start_time, i_am_alive)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    PERFORM orleans_membership_bump_version(deployment);
    RETURN 1;
END
$body$;

-- 1 when the silo row changed and the version moved on; 0 (and no change) otherwise.
CREATE FUNCTION orleans_membership_update(
    deployment text, silo_address text, silo_port integer, silo_generation integer,
    silo_status integer, suspect_times text, i_am_alive timestamptz, expected_version integer)
RETURNS integer
LANGUAGE plpgsql AS $body$
BEGIN
    IF NOT orleans_membership_claim_version(deployment, expected_version) THEN
        RETURN 0;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = silo_status, SuspectTimes = suspect_times, IAmAliveTime = i_am_alive
    WHERE DeploymentId = deployment AND Address = silo_address AND Port = silo_port AND Generation = silo_generation;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    PERFORM orleans_membership_bump_version(deployment);
    RETURN 1;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', '
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM created;'),

('InsertMembershipKey', '
    SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                     @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);'),

('UpdateMembershipKey', '
    SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation,
                                     @Status, @SuspectTimes, @IAmAliveTime, @Version);'),

('UpdateIAmAlivetimeKey', '
    UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;'),

-- The version row is returned even when the silo has no row yet, hence the outer join.
('MembershipReadRowKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
           ON m.DeploymentId = v.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;'),

('MembershipReadAllKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;'),

('DeleteMembershipTableEntriesKey', '
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;'),

-- Status 3 is Active.
('GatewaysQueryKey', '
    SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;'),

('CleanupDefunctSiloEntriesKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;');
