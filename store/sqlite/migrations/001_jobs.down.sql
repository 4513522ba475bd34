DROP TABLE hark_segment;
DROP TABLE hark_job;
