-- docker-compose: the publication the sidecars follow. Add your tables with
-- ALTER PUBLICATION memstore ADD TABLE …; (or recreate it FOR ALL TABLES).
CREATE PUBLICATION memstore FOR ALL TABLES;
