-- The statements Orleans' ADO.NET providers run, keyed by purpose. Each provider reads its keys once at start-up.
-- The contract is in the names: the @Parameters each statement takes and the columns it returns.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
