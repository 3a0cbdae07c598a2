-- Version 2: the writers' lock and counter. A commit group starts by bumping the one row's
-- generation, which holds its lock until the group commits: the groups of every node sharing
-- the database run one at a time, each reading what the one before it committed, and a node
-- whose last generation is not the one before knows that another node wrote.
CREATE TABLE chat_writer (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL
);
INSERT INTO chat_writer (generation) VALUES (0);
