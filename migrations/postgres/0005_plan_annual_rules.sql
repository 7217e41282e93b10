-- The Dongguan preset stored by earlier versions lacks three rule parameters that plans now
-- carry (a stored plan that does not parse is an error, never a default). Its [rules] table is
-- the last of the file, so the lines are appended there, with the values of the shipped preset:
-- the annual rules from 2024 (二: 2023 is for signing and setting up), 30 grace days for the
-- team (四(一)), and every member signing the agreement (四(二)).
update plans set plan_toml = plan_toml || '
# added by migration 0005, as in the shipped preset
annual_rules_from_year = 2024
team_grace_days = 30
agreement_signers = ["university", "vocational_school", "town", "village"]
'
where code = 'dongguan-2023' and plan_toml not like '%annual_rules_from_year%';
