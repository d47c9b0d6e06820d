import './base.css';
import './newJob.css';
