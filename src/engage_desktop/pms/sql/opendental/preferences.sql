SELECT PrefName AS prefname, ValueString AS valuestring
FROM preference
WHERE PrefName IN ('EasyNoClinics', 'PracticeTitle', 'PracticeAddress', 'PracticeCity',
                   'PracticeST', 'PracticeZip', 'PracticePhone', 'DataBaseVersion')
