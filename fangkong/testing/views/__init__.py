"""Pages of mass testing: views/field.py for samplers, labs and the public; views/hq.py for officers and the HQ."""
