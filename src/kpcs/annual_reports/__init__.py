"""Annual reports: each participant's yearly account of how it implements the Scheme
(Core Document Section VI §11), due 31 March for the previous calendar year, assessed by
the Working Group on Monitoring section by section."""
